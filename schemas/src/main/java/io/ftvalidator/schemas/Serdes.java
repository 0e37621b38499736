package io.ftvalidator.schemas;

/**
 * No-argument serde classes, for clients configured by class name (SmallRye Reactive Messaging's
 * {@code value.serializer}, a plain client's {@code value.deserializer}, Kafka Streams' default
 * serdes). Each writes the encoding of its client's {@code ftval.serde} and reads both
 * ({@link RecordSerde}).
 */
public final class Serdes {

    private Serdes() {}

    public static final class ValidationRequestSerde extends RecordSerde<ValidationRequest> {
        public ValidationRequestSerde() {
            super(ValidationRequest.class);
        }
    }

    public static final class RenderJobSerde extends RecordSerde<RenderJob> {
        public RenderJobSerde() {
            super(RenderJob.class);
        }
    }

    public static final class ImageScoreSerde extends RecordSerde<ImageScore> {
        public ImageScoreSerde() {
            super(ImageScore.class);
        }
    }

    public static final class ValidationDecisionSerde extends RecordSerde<ValidationDecision> {
        public ValidationDecisionSerde() {
            super(ValidationDecision.class);
        }
    }

    public static final class ImageRenderSerde extends RecordSerde<ImageRender> {
        public ImageRenderSerde() {
            super(ImageRender.class);
        }
    }

    /**
     * The coordinator's state store and its changelog: internal to the coordinator, always
     * single-object encoding (a restore never waits on a registry).
     */
    public static final class ValidationStateSerde extends SingleObjectSerde<ValidationState> {
        public ValidationStateSerde() {
            super(ValidationState.class);
        }
    }
}
