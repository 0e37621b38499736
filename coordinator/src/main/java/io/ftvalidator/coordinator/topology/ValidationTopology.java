package io.ftvalidator.coordinator.topology;

import io.ftvalidator.coordinator.aggregation.ScoreProcessor;
import io.ftvalidator.coordinator.deadletter.AnyRecordSerializer;
import io.ftvalidator.coordinator.fanout.FanoutProcessor;
import io.ftvalidator.coordinator.intake.Admission;
import io.ftvalidator.coordinator.intake.Calibrations;
import io.ftvalidator.coordinator.intake.IntakeProcessor;
import io.ftvalidator.coordinator.renders.RenderStore;
import io.ftvalidator.coordinator.renders.RendersProcessor;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;

/**
 * The coordinator's Kafka Streams topology, one topology, a pure function of its settings. Each
 * stage is a package named after the step a validation takes:
 *
 * <pre>
 *   ftval.validation-requests --> intake --(valid)--> fanout --------------> ftval.render-jobs (one job per image, each with its nonce)
 *                                   | \--(invalid, too costly)------------> ftval.validation-decisions (REJECTED)
 *                                   \----(id reused, key != id, no value)--> ftval.dead-letters
 *
 *                     [validations store] [validation-timers store]   (state/; query/ reads the first)
 *
 *   ftval.image-scores ---------> scores --(last image in, or deadline)-----> ftval.validation-decisions (DECIDED, INCONCLUSIVE)
 *                                   \----(no such validation, wrong nonce,--> ftval.dead-letters
 *                                          results not the submissions')
 *
 *   ftval.renders --------------> renders --> [render-images store]   (the web view, ui/, reads it; no decision does)
 * </pre>
 *
 * intake is {@code intake/IntakeProcessor}, fanout {@code fanout/FanoutProcessor}, scores
 * {@code aggregation/ScoreProcessor}; all three use both stores. renders is
 * {@code renders/RendersProcessor}, a sub-topology of its own with its own store.
 *
 * Sinks are named after their topics. Requests and scores share the key (validationId) and the
 * partition count, so one task owns a validation's state. Run with
 * {@code processing.guarantee=exactly_once_v2}: a score's state update and the decision it
 * completes are committed together.
 */
public final class ValidationTopology {

    /**
     * @param admission what the intake admits: allowed bases, whole bundles or not, the prompt pool
     *     drawn from when a request gives none
     * @param scanInterval how often deadlines are checked
     * @param retention how long a decided validation stays queryable in the store
     * @param resendAt the share of a validation's window (acceptance to deadline) after which the
     *     jobs of its images still without a score are published once more; 0: never
     * @param renderRetention how long rendered images stay in the web view's store
     * @param calibrations per-base thresholds
     * @param earlyVerdicts whether a validation is decided once its verdict cannot change
     */
    public record Settings(Admission admission, Duration scanInterval, Duration retention, double resendAt, Duration renderRetention,
            Calibrations calibrations, boolean earlyVerdicts) {

        public Settings {
            if (!(resendAt >= 0 && resendAt < 1)) {
                throw new IllegalArgumentException("ftval.jobs.resend-at must be in [0, 1), got " + resendAt);
            }
        }

        /** Jobs never published again, images kept 3 days, no calibrations, early verdicts on. */
        public Settings(Admission admission, Duration scanInterval, Duration retention) {
            this(admission, scanInterval, retention, 0, Duration.ofDays(3), Calibrations.none(), true);
        }

        /** Any base and whole bundles admitted ({@link Admission#open}); otherwise as above. */
        public Settings(List<String> defaultPool, Duration scanInterval, Duration retention) {
            this(Admission.open(defaultPool), scanInterval, retention);
        }

        public List<String> defaultPool() {
            return admission.defaultPool();
        }

    }

    private static final String REQUESTS_SOURCE = "requests-source";
    private static final String SCORES_SOURCE = "scores-source";
    private static final String RENDERS_SOURCE = "renders-source";

    private ValidationTopology() {}

    /** The topology with single-object encoding on every topic. */
    public static Topology build(Settings settings, MeterRegistry metrics) {
        return build(settings, metrics, Map.of());
    }

    /**
     * @param kafkaConfig the Kafka clients' configuration, whose {@code ftval.serde} and
     *     {@code apicurio.registry.*} entries choose the encoding of the topics' records
     */
    public static Topology build(Settings settings, MeterRegistry metrics, Map<String, ?> kafkaConfig) {
        return build(settings, metrics, kafkaConfig, Tracing.disabled());
    }

    /** @param tracing the spans of each stage, linked to the requests' and scores' trace context (docs/operations.md) */
    public static Topology build(Settings settings, MeterRegistry metrics, Map<String, ?> kafkaConfig, Tracing tracing) {
        Topology topology = new Topology();
        topology.addSource(REQUESTS_SOURCE, Serdes.String().deserializer(),
                Topics.VALIDATION_REQUESTS.valueSerde(kafkaConfig).deserializer(), Topics.VALIDATION_REQUESTS.name());
        topology.addSource(SCORES_SOURCE, Serdes.String().deserializer(),
                Topics.IMAGE_SCORES.valueSerde(kafkaConfig).deserializer(), Topics.IMAGE_SCORES.name());
        topology.addProcessor(IntakeProcessor.NAME,
                () -> new IntakeProcessor(settings.admission(), settings.calibrations(), settings.retention(), metrics, tracing),
                REQUESTS_SOURCE);
        topology.addProcessor(FanoutProcessor.NAME, () -> new FanoutProcessor(settings.defaultPool(), settings.resendAt(), metrics, tracing),
                IntakeProcessor.NAME);
        topology.addProcessor(ScoreProcessor.NAME,
                () -> new ScoreProcessor(settings.scanInterval(), settings.retention(), settings.earlyVerdicts(), metrics, tracing), SCORES_SOURCE);
        String[] stages = {IntakeProcessor.NAME, FanoutProcessor.NAME, ScoreProcessor.NAME};
        topology.addStateStore(ValidationStores.validations(), stages);
        topology.addStateStore(ValidationStores.timers(), stages);
        topology.addSource(RENDERS_SOURCE, Serdes.String().deserializer(),
                Topics.RENDERS.valueSerde(kafkaConfig).deserializer(), Topics.RENDERS.name());
        topology.addProcessor(RendersProcessor.NAME, RendersProcessor::new, RENDERS_SOURCE);
        topology.addStateStore(RenderStore.builder(settings.renderRetention()), RendersProcessor.NAME);
        topology.addSink(Topics.RENDER_JOBS.name(), Topics.RENDER_JOBS.name(), Serdes.String().serializer(),
                Topics.RENDER_JOBS.valueSerde(kafkaConfig).serializer(), FanoutProcessor.NAME, ScoreProcessor.NAME);
        topology.addSink(Topics.VALIDATION_DECISIONS.name(), Topics.VALIDATION_DECISIONS.name(), Serdes.String().serializer(),
                Topics.VALIDATION_DECISIONS.valueSerde(kafkaConfig).serializer(), IntakeProcessor.NAME, ScoreProcessor.NAME);
        topology.addSink(Topics.DEAD_LETTERS.name(), Topics.DEAD_LETTERS.name(), Serdes.String().serializer(),
                new AnyRecordSerializer(), IntakeProcessor.NAME, ScoreProcessor.NAME);
        return topology;
    }
}
