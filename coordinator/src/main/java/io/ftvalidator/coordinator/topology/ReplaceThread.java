package io.ftvalidator.coordinator.topology;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/**
 * What a stream thread does when an exception escapes every handler (a broker answer it cannot
 * take, a fault outside any one record): it is replaced by a new thread, which carries on from the
 * last committed offsets (exactly once: the failed transaction is aborted), instead of the whole
 * aggregation shutting down. Quarkus registers this bean on its Kafka Streams.
 */
@ApplicationScoped
public class ReplaceThread implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = Logger.getLogger(ReplaceThread.class);

    private final MeterRegistry metrics;

    ReplaceThread(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        metrics.counter("ftval.streams.threads.replaced").increment();
        LOG.errorf(exception, "a stream thread failed; a new one replaces it and resumes from the last commit");
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }
}
