package io.ftvalidator.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The encoding switch; the registry side runs against a real registry in cluster-tests' RegistryContractsIT. */
class RecordSerdeTest {

    private static ValidationDecision decision() {
        return ValidationDecision.newBuilder().setValidationId("v-1").setStatus(DecisionStatus.DECIDED).setVerdict(Verdict.AGREED)
                .setReason("all agree").setRule(Rule.MEAN).setThreshold(10).setHashAlgorithm(HashAlgorithm.GOIMAGEHASH)
                .setImages(2).setImagesDone(2).setPairs(List.of()).setAgreeing(List.of("a", "b")).setOutliers(List.of())
                .setFailed(List.of()).setRenders(List.of()).setDecidedAtMillis(1L).build();
    }

    @Test
    void shouldWriteSingleObjectEncodingWhenNotConfiguredForTheRegistry() {
        RecordSerde<ValidationDecision> unconfigured = new Serdes.ValidationDecisionSerde();
        RecordSerde<ValidationDecision> configured = (RecordSerde<ValidationDecision>) Topics.VALIDATION_DECISIONS.valueSerde(
                Map.of(RecordSerde.ENCODING, "single-object"));
        for (RecordSerde<ValidationDecision> serde : List.of(unconfigured, configured)) {
            assertThat(serde.encoding()).isEqualTo(RecordSerde.Encoding.SINGLE_OBJECT);
            byte[] bytes = serde.serialize("t", new RecordHeaders(), decision());
            assertThat(bytes[0]).isEqualTo((byte) 0xC3);
            assertThat(serde.deserialize("t", bytes)).isEqualTo(decision());
        }
    }

    @Test
    void shouldRefuseTheRegistryEncodingWithoutARegistryAddress() {
        assertThatThrownBy(() -> Topics.RENDER_JOBS.valueSerde(Map.of(RecordSerde.ENCODING, "registry")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("ftval.serde=registry needs apicurio.registry.url, the registry's /apis/registry/v3 address (or ftval.serde=single-object)");
    }

    @Test
    void shouldRefuseAnEncodingItDoesNotKnow() {
        assertThatThrownBy(() -> Topics.RENDER_JOBS.valueSerde(Map.of(RecordSerde.ENCODING, "confluent")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid value confluent for configuration ftval.serde: must be single-object or registry");
    }

    @Test
    void shouldNameTheSchemaIdOfARegistryRecordWhenNoRegistryIsConfigured() {
        byte[] registryRecord = ByteBuffer.allocate(9).put((byte) 0).putInt(42).putInt(7).array();
        assertThatThrownBy(() -> Topics.VALIDATION_DECISIONS.valueSerde().deserializer().deserialize("ftval.validation-decisions", registryRecord))
                .isInstanceOf(SerializationException.class)
                .hasMessage("topic ftval.validation-decisions: a ValidationDecision in the schema registry wire format (schema id 42), "
                        + "but no registry is configured: set apicurio.registry.url (and ftval.serde=registry to write that format too)");
    }

    @Test
    void shouldGiveEachCallerItsOwnSerde() {
        assertThat(Topics.IMAGE_SCORES.valueSerde()).isNotSameAs(Topics.IMAGE_SCORES.valueSerde());
        assertThat(Topics.IMAGE_SCORES.valueSubject()).isEqualTo("ftval.image-scores-value");
    }
}
