package io.ftvalidator.coordinator.deadletter;

import io.ftvalidator.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

/**
 * A record whose processing throws (KIP-1033: a bug met by one record, a state the decision cannot
 * read) goes to the dead-letter topic as it came, its source bytes and headers with the reason and
 * origin added, and processing carries on with the next record. The dead letter is written in the
 * task's own transaction (KIP-1034's dead-letter records), so it is there exactly when the source
 * offset is committed. Configured as {@code processing.exception.handler}.
 */
public class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = Logger.getLogger(DeadLetterProcessingHandler.class);

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure: the dead letters go through the task's own producer
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String reason = "processing failed in " + context.processorNodeId() + ": " + exception;
        LOG.errorf(exception, "record %s-%d@%d sent to %s: %s", context.topic(), context.partition(), context.offset(),
                Topics.DEAD_LETTERS.name(), reason);
        DeadLetters.count(DeadLetters.Reason.PROCESSING_FAILED);
        RecordHeaders headers = new RecordHeaders(context.headers().toArray());
        headers.add(DeadLetters.REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetters.SOURCE_HEADER,
                (context.topic() + "-" + context.partition() + "@" + context.offset()).getBytes(StandardCharsets.UTF_8));
        return Response.resume(List.of(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, context.sourceRawKey(),
                context.sourceRawValue(), headers)));
    }
}
