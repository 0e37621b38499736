package io.ftvalidator.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicsBootstrapTest {

    @Test
    void shouldGiveTheAdminClientTheClustersTlsAndSaslSettings() {
        Map<String, Object> kafka = Map.of(
                "bootstrap.servers", "kafka:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"c\" password=\"p\";",
                "ssl.truststore.location", "/etc/kafka/ca.p12",
                "ssl.truststore.password", "secret",
                "compression.type", "zstd",
                "ftval.serde", "single-object");
        Map<String, Object> admin = TopicsBootstrap.adminConfig(kafka);
        assertThat(admin).containsEntry("bootstrap.servers", "kafka:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", kafka.get("sasl.jaas.config"))
                .containsEntry("ssl.truststore.location", "/etc/kafka/ca.p12")
                .containsEntry("ssl.truststore.password", "secret")
                .containsEntry("client.id", "ftval-coordinator-topics")
                .doesNotContainKeys("compression.type", "ftval.serde"); // a producer's and our own settings stay out
    }
}
