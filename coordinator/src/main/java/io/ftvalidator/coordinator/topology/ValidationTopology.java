package io.ftvalidator.coordinator.topology;

import io.ftvalidator.coordinator.aggregation.ScoreProcessor;
import io.ftvalidator.coordinator.deadletter.AnyRecordSerializer;
import io.ftvalidator.coordinator.fanout.FanoutProcessor;
import io.ftvalidator.coordinator.intake.Admission;
import io.ftvalidator.coordinator.intake.IntakeProcessor;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.schemas.Topics;
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
 * </pre>
 *
 * intake is {@code intake/IntakeProcessor}, fanout {@code fanout/FanoutProcessor}, scores
 * {@code aggregation/ScoreProcessor}; all three use both stores.
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
     */
    public record Settings(Admission admission, Duration scanInterval, Duration retention, double resendAt) {

        public Settings {
            if (!(resendAt >= 0 && resendAt < 1)) {
                throw new IllegalArgumentException("ftval.jobs.resend-at must be in [0, 1), got " + resendAt);
            }
        }

        /** Jobs never published again. */
        public Settings(Admission admission, Duration scanInterval, Duration retention) {
            this(admission, scanInterval, retention, 0);
        }

        /** Any base and whole bundles admitted ({@link Admission#open}); jobs never published again. */
        public Settings(List<String> defaultPool, Duration scanInterval, Duration retention) {
            this(Admission.open(defaultPool), scanInterval, retention, 0);
        }

        public List<String> defaultPool() {
            return admission.defaultPool();
        }
    }

    private static final String REQUESTS_SOURCE = "requests-source";
    private static final String SCORES_SOURCE = "scores-source";

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
        Topology topology = new Topology();
        topology.addSource(REQUESTS_SOURCE, Serdes.String().deserializer(),
                Topics.VALIDATION_REQUESTS.valueSerde(kafkaConfig).deserializer(), Topics.VALIDATION_REQUESTS.name());
        topology.addSource(SCORES_SOURCE, Serdes.String().deserializer(),
                Topics.IMAGE_SCORES.valueSerde(kafkaConfig).deserializer(), Topics.IMAGE_SCORES.name());
        topology.addProcessor(IntakeProcessor.NAME,
                () -> new IntakeProcessor(settings.admission(), settings.retention(), metrics), REQUESTS_SOURCE);
        topology.addProcessor(FanoutProcessor.NAME, () -> new FanoutProcessor(settings.defaultPool(), settings.resendAt(), metrics), IntakeProcessor.NAME);
        topology.addProcessor(ScoreProcessor.NAME,
                () -> new ScoreProcessor(settings.scanInterval(), settings.retention(), metrics), SCORES_SOURCE);
        String[] stages = {IntakeProcessor.NAME, FanoutProcessor.NAME, ScoreProcessor.NAME};
        topology.addStateStore(ValidationStores.validations(), stages);
        topology.addStateStore(ValidationStores.timers(), stages);
        topology.addSink(Topics.RENDER_JOBS.name(), Topics.RENDER_JOBS.name(), Serdes.String().serializer(),
                Topics.RENDER_JOBS.valueSerde(kafkaConfig).serializer(), FanoutProcessor.NAME, ScoreProcessor.NAME);
        topology.addSink(Topics.VALIDATION_DECISIONS.name(), Topics.VALIDATION_DECISIONS.name(), Serdes.String().serializer(),
                Topics.VALIDATION_DECISIONS.valueSerde(kafkaConfig).serializer(), IntakeProcessor.NAME, ScoreProcessor.NAME);
        topology.addSink(Topics.DEAD_LETTERS.name(), Topics.DEAD_LETTERS.name(), Serdes.String().serializer(),
                new AnyRecordSerializer(), IntakeProcessor.NAME, ScoreProcessor.NAME);
        return topology;
    }
}
