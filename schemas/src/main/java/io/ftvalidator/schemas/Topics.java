package io.ftvalidator.schemas;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the cluster, with its key and value serdes, in one place (docs/topics.md says
 * how each is partitioned and retained).
 */
public final class Topics {

    /** A topic, what its key is, and how key and value are encoded. */
    public record Topic<K, V>(String name, String key, Serde<K> keySerde, Serde<V> valueSerde) {}

    /** Validation requests from the REST intake and from other services. Key: validationId. */
    public static final Topic<String, ValidationRequest> VALIDATION_REQUESTS =
            new Topic<>("ftval.validation-requests", "validationId", Serdes.String(), new AvroSerde<>(ValidationRequest.class));

    /** One job per image of a validation. Key: validationId/imageIndex, spreading images over workers. */
    public static final Topic<String, RenderJob> RENDER_JOBS =
            new Topic<>("ftval.render-jobs", "validationId/imageIndex", Serdes.String(), new AvroSerde<>(RenderJob.class));

    /** One score per rendered job. Key: validationId, co-partitioned with the requests. */
    public static final Topic<String, ImageScore> IMAGE_SCORES =
            new Topic<>("ftval.image-scores", "validationId", Serdes.String(), new AvroSerde<>(ImageScore.class));

    /** One decision per validation (compacted). Key: validationId. */
    public static final Topic<String, ValidationDecision> VALIDATION_DECISIONS =
            new Topic<>("ftval.validation-decisions", "validationId", Serdes.String(), new AvroSerde<>(ValidationDecision.class));

    /** Records no consumer could read, with the failure in their headers. Key: as on the source topic. */
    public static final Topic<byte[], byte[]> DEAD_LETTERS =
            new Topic<>("ftval.dead-letters", "the source record's key", Serdes.ByteArray(), Serdes.ByteArray());

    private Topics() {}

    /** The render job key: {@code validationId/imageIndex}. */
    public static String jobKey(String validationId, int imageIndex) {
        return validationId + "/" + imageIndex;
    }
}
