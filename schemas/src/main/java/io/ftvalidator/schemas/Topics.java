package io.ftvalidator.schemas;

import org.apache.kafka.common.serialization.Serde;

/**
 * Every topic of the cluster, with its key and value serdes, in one place (docs/topics.md says
 * how each is partitioned and retained).
 */
public final class Topics {

    /** A topic, what its key is, and how key and value are encoded. */
    public record Topic<K, V>(String name, String key, Serde<K> keySerde, Serde<V> valueSerde) {}

    /** Validation requests from the REST intake and from other services. Key: validationId. */
    public static final Topic<String, ValidationRequest> VALIDATION_REQUESTS =
            new Topic<>("ftval.validation-requests", "validationId", org.apache.kafka.common.serialization.Serdes.String(), new Serdes.ValidationRequestSerde());

    /** One job per image of a validation. Key: validationId/imageIndex, spreading images over workers. */
    public static final Topic<String, RenderJob> RENDER_JOBS =
            new Topic<>("ftval.render-jobs", "validationId/imageIndex", org.apache.kafka.common.serialization.Serdes.String(), new Serdes.RenderJobSerde());

    /** One score per rendered job. Key: validationId, co-partitioned with the requests. */
    public static final Topic<String, ImageScore> IMAGE_SCORES =
            new Topic<>("ftval.image-scores", "validationId", org.apache.kafka.common.serialization.Serdes.String(), new Serdes.ImageScoreSerde());

    /** One decision per validation (compacted). Key: validationId. */
    public static final Topic<String, ValidationDecision> VALIDATION_DECISIONS =
            new Topic<>("ftval.validation-decisions", "validationId", org.apache.kafka.common.serialization.Serdes.String(), new Serdes.ValidationDecisionSerde());

    /**
     * Records no consumer could read or process, unchanged (key, value, headers), with the headers
     * {@value #DEAD_LETTER_REASON} and {@value #DEAD_LETTER_SOURCE} added. Key: as on the source topic.
     */
    public static final Topic<byte[], byte[]> DEAD_LETTERS =
            new Topic<>("ftval.dead-letters", "the source record's key", org.apache.kafka.common.serialization.Serdes.ByteArray(), org.apache.kafka.common.serialization.Serdes.ByteArray());

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
