package io.ftvalidator.coordinator.deadletter;

import io.ftvalidator.schemas.Topics;
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

    private DeadLetters() {}

    public static void send(ProcessorContext<String, SpecificRecord> context, Record<String, ? extends SpecificRecord> record,
            String source, String reason) {
        Record<String, SpecificRecord> out = new Record<>(record.key(), record.value(), record.timestamp(), record.headers());
        out.headers().add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        out.headers().add(SOURCE_HEADER, source.getBytes(StandardCharsets.UTF_8));
        context.forward(out, Topics.DEAD_LETTERS.name());
    }
}
