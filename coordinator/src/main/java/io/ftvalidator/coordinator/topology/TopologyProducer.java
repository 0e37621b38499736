package io.ftvalidator.coordinator.topology;

import io.ftvalidator.coordinator.intake.AdmissionConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the topology from configuration; Quarkus runs it. */
@ApplicationScoped
public class TopologyProducer {

    @ConfigProperty(name = "ftval.deadline-scan", defaultValue = "1s")
    Duration deadlineScan;

    @ConfigProperty(name = "ftval.retention", defaultValue = "P7D")
    Duration retention;

    @ConfigProperty(name = "ftval.jobs.resend-at", defaultValue = "0.5")
    double resendAt;

    /** Every {@code kafka.*} property (Quarkus's Kafka client configuration): the record encoding among them. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Produces
    public Topology topology(MeterRegistry metrics, AdmissionConfig admission) {
        return ValidationTopology.build(new ValidationTopology.Settings(admission.get(), deadlineScan, retention, resendAt), metrics,
                kafkaConfig);
    }
}
