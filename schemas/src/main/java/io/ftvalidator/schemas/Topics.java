package io.ftvalidator.schemas;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the cluster, with its key and value serdes, in one place (docs/topics.md says
 * how each is partitioned and retained, docs/integration.md who writes and reads it).
 */
public final class Topics {

    /**
     * A topic, what its key is, and how key and value are encoded.
     *
     * @param values makes a new value serde, unconfigured
     */
    public record Topic<K, V>(String name, String key, Serde<K> keySerde, Supplier<? extends Serde<V>> values) {

        /** A new value serde, not configured: it writes single-object encoding and reads it. */
        public Serde<V> valueSerde() {
            return values.get();
        }

        /**
         * A new value serde configured from a Kafka client's configuration: the encoding its
         * {@code ftval.serde} names, with the registry of its {@code apicurio.registry.*} entries
         * ({@link RecordSerde}). For serde instances handed to a client, which does not configure them.
         */
        public Serde<V> valueSerde(Map<String, ?> clientConfig) {
            Serde<V> serde = values.get();
            serde.configure(clientConfig, false);
            return serde;
        }

        /** The registry subject (Apicurio artifact id) of this topic's values. */
        public String valueSubject() {
            return name + "-value";
        }
    }

    /** Validation requests from the REST intake and from other services. Key: validationId. */
    public static final Topic<String, ValidationRequest> VALIDATION_REQUESTS =
            new Topic<>("ftval.validation-requests", "validationId", Serdes.String(), io.ftvalidator.schemas.Serdes.ValidationRequestSerde::new);

    /** One job per image of a validation. Key: validationId/imageIndex, spreading images over workers. */
    public static final Topic<String, RenderJob> RENDER_JOBS =
            new Topic<>("ftval.render-jobs", "validationId/imageIndex", Serdes.String(), io.ftvalidator.schemas.Serdes.RenderJobSerde::new);

    /** One score per rendered job. Key: validationId, co-partitioned with the requests. */
    public static final Topic<String, ImageScore> IMAGE_SCORES =
            new Topic<>("ftval.image-scores", "validationId", Serdes.String(), io.ftvalidator.schemas.Serdes.ImageScoreSerde::new);

    /** One decision per validation (compacted). Key: validationId. */
    public static final Topic<String, ValidationDecision> VALIDATION_DECISIONS =
            new Topic<>("ftval.validation-decisions", "validationId", Serdes.String(), io.ftvalidator.schemas.Serdes.ValidationDecisionSerde::new);

    /**
     * The images workers render, as PNGs (full, or downscaled to the worker's
     * {@code ftval.worker.renders.max-side}), one record per image and submission, for the
     * coordinator's web view; never an input of a decision. Key: validationId.
     */
    public static final Topic<String, ImageRender> RENDERS =
            new Topic<>("ftval.renders", "validationId", Serdes.String(), io.ftvalidator.schemas.Serdes.ImageRenderSerde::new);

    /**
     * Records no consumer could read or process, unchanged (key, value, headers), with the headers
     * {@value #DEAD_LETTER_REASON} and {@value #DEAD_LETTER_SOURCE} added. Key: as on the source topic.
     */
    public static final Topic<byte[], byte[]> DEAD_LETTERS =
            new Topic<>("ftval.dead-letters", "the source record's key", Serdes.ByteArray(), Serdes::ByteArray);

    /** The topics whose values are Avro records of the public contract, each with its schema in the registry. */
    public static final List<Topic<String, ? extends SpecificRecord>> CONTRACT =
            List.of(VALIDATION_REQUESTS, RENDER_JOBS, IMAGE_SCORES, VALIDATION_DECISIONS, RENDERS);

    /** Dead-letter header: why the record was given up, naming the thing in trouble. */
    public static final String DEAD_LETTER_REASON = "ftval.dead-letter.reason";

    /** Dead-letter header: the topic the record came from. */
    public static final String DEAD_LETTER_SOURCE = "ftval.dead-letter.source";

    private Topics() {}

    /** The render job key: {@code validationId/imageIndex}. */
    public static String jobKey(String validationId, int imageIndex) {
        return validationId + "/" + imageIndex;
    }
}
