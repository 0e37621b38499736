package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.schemas.Serdes.ValidationStateSerde;
import io.ftvalidator.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The coordinator's Kafka Streams topology, a pure function of its settings:
 *
 * <pre>
 *   ftval.validation-requests -> intake -----> ftval.render-jobs (one job per image)
 *                                  |  \------> ftval.validation-decisions (REJECTED)
 *                            [validations store]
 *                                  |  /------> ftval.validation-decisions (DECIDED, INCONCLUSIVE)
 *   ftval.image-scores ------> scores -------> ftval.dead-letters
 * </pre>
 *
 * Requests and scores share the key (validationId) and the partition count, so one task owns a
 * validation's state. Run with {@code processing.guarantee=exactly_once_v2}: a score's state update
 * and the decision it completes are committed together.
 */
public final class ValidationTopology {

    public static final String STORE = "validations";
    static final String TIMERS = "validation-timers";
    static final String INTAKE = "intake";
    static final String SCORES = "scores";
    static final String JOBS_SINK = "render-jobs-sink";
    static final String DECISIONS_SINK = "decisions-sink";
    static final String DEAD_LETTERS_SINK = "dead-letters-sink";

    /**
     * @param defaultPool prompts drawn from when a request gives none
     * @param scanInterval how often deadlines are checked
     * @param retention how long a decided validation stays queryable in the store
     */
    public record Settings(List<String> defaultPool, Duration scanInterval, Duration retention) {
        public Settings {
            defaultPool = List.copyOf(defaultPool);
        }
    }

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
        topology.addSource(INTAKE + "-source", Serdes.String().deserializer(),
                Topics.VALIDATION_REQUESTS.valueSerde(kafkaConfig).deserializer(), Topics.VALIDATION_REQUESTS.name());
        topology.addSource(SCORES + "-source", Serdes.String().deserializer(),
                Topics.IMAGE_SCORES.valueSerde(kafkaConfig).deserializer(), Topics.IMAGE_SCORES.name());
        topology.addProcessor(INTAKE, () -> new IntakeProcessor(settings, metrics), INTAKE + "-source");
        topology.addProcessor(SCORES, () -> new ScoreProcessor(settings, metrics), SCORES + "-source");
        topology.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), new ValidationStateSerde()),
                INTAKE, SCORES);
        topology.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TIMERS), Serdes.String(), Serdes.String()),
                INTAKE, SCORES);
        topology.addSink(JOBS_SINK, Topics.RENDER_JOBS.name(), Serdes.String().serializer(),
                Topics.RENDER_JOBS.valueSerde(kafkaConfig).serializer(), INTAKE);
        topology.addSink(DECISIONS_SINK, Topics.VALIDATION_DECISIONS.name(), Serdes.String().serializer(),
                Topics.VALIDATION_DECISIONS.valueSerde(kafkaConfig).serializer(), INTAKE, SCORES);
        topology.addSink(DEAD_LETTERS_SINK, Topics.DEAD_LETTERS.name(), Serdes.String().serializer(),
                new AnyRecordSerializer(), INTAKE, SCORES);
        return topology;
    }
}
