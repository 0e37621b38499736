package io.ftvalidator.coordinator.deadletter;

import io.ftvalidator.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sends a record the coordinator will not process to the dead-letter topic, with the reason in a
 * header. The topology's sink to {@link Topics#DEAD_LETTERS} is named after the topic.
 */
public final class DeadLetters {

    public static final String REASON_HEADER = Topics.DEAD_LETTER_REASON;
    public static final String SOURCE_HEADER = Topics.DEAD_LETTER_SOURCE;
    public static final String METER = "ftval.dead.letters";

    /** Why a record went to the dead letters, as the {@code reason} tag of {@code ftval.dead.letters} says it. */
    public enum Reason {
        UNKNOWN_VALIDATION("unknown-validation"),
        /** A score that does not answer its job (ScoreCheck: image index, nonce, results, sizes). */
        REFUSED_SCORE("refused-score"),
        ID_REUSED("id-reused"),
        INVALID_WITHOUT_ID("invalid-without-id"),
        NO_VALUE("no-value"),
        /** A request keyed by another id than its own: it would never meet its scores. */
        KEY_MISMATCH("key-mismatch"),
        UNDESERIALIZABLE("undeserializable"),
        /** A record whose processing threw (the KIP-1033 handler). */
        PROCESSING_FAILED("processing-failed");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private DeadLetters() {}

    /** Counts a dead letter in {@code ftval.dead.letters{reason}} (Quarkus' registry is part of the global one). */
    public static void count(Reason reason) {
        Metrics.counter(METER, "reason", reason.tag).increment();
    }

    /** Every reason's counter at 0, so that rates and alerts see the series before the first dead letter. */
    public static void register(MeterRegistry registry) {
        for (Reason r : Reason.values()) {
            registry.counter(METER, "reason", r.tag);
        }
    }

    public static void send(ProcessorContext<String, SpecificRecord> context, Record<String, ? extends SpecificRecord> record,
            String source, Reason why, String reason) {
        count(why);
        Record<String, SpecificRecord> out = new Record<>(record.key(), record.value(), record.timestamp(), record.headers());
        out.headers().add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        out.headers().add(SOURCE_HEADER, source.getBytes(StandardCharsets.UTF_8));
        context.forward(out, Topics.DEAD_LETTERS.name());
    }
}
