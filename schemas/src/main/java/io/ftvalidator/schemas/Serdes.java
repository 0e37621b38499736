package io.ftvalidator.schemas;

/**
 * No-argument serde classes, for clients configured by class name (SmallRye Reactive Messaging's
 * {@code value.serializer}, Kafka Streams' default serdes).
 */
public final class Serdes {

    private Serdes() {}

    public static final class ValidationRequestSerde extends AvroSerde<ValidationRequest> {
        public ValidationRequestSerde() {
            super(ValidationRequest.class);
        }
    }

    public static final class RenderJobSerde extends AvroSerde<RenderJob> {
        public RenderJobSerde() {
            super(RenderJob.class);
        }
    }

    public static final class ImageScoreSerde extends AvroSerde<ImageScore> {
        public ImageScoreSerde() {
            super(ImageScore.class);
        }
    }

    public static final class ValidationDecisionSerde extends AvroSerde<ValidationDecision> {
        public ValidationDecisionSerde() {
            super(ValidationDecision.class);
        }
    }

    public static final class ValidationStateSerde extends AvroSerde<ValidationState> {
        public ValidationStateSerde() {
            super(ValidationState.class);
        }
    }
}
