package io.ftvalidator.coordinator.intake;

import io.ftvalidator.coordinator.aggregation.Decisions;
import io.ftvalidator.coordinator.deadletter.DeadLetters;
import io.ftvalidator.coordinator.fanout.FanoutProcessor;
import io.ftvalidator.coordinator.state.Timers;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.ValidationState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ftvalidator.schemas.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The Kafka intake: every request on {@code ftval.validation-requests} (from the REST intake or
 * any other service) is checked here. The same request delivered twice is taken once; a different
 * request reusing an id goes to the dead letters; an invalid request gets a REJECTED decision
 * (and is forgotten after the retention); a valid one goes on to the fan-out.
 */
public final class IntakeProcessor implements Processor<String, ValidationRequest, String, SpecificRecord> {

    /** This processor's node name in the topology. */
    public static final String NAME = "intake";

    private static final Logger LOG = Logger.getLogger(IntakeProcessor.class);

    private final boolean hasDefaultPool;
    private final Calibrations calibrations;
    private final Duration retention;
    private final Counter rejected;
    private final Tracing tracing;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ValidationState> store;
    private Timers timers;

    /**
     * @param hasDefaultPool whether the coordinator has a prompt pool of its own
     * @param calibrations per-base thresholds, applied to requests that give none
     * @param retention how long a rejected validation stays queryable
     */
    public IntakeProcessor(boolean hasDefaultPool, Calibrations calibrations, Duration retention, MeterRegistry metrics, Tracing tracing) {
        this.tracing = tracing;
        this.hasDefaultPool = hasDefaultPool;
        this.calibrations = calibrations;
        this.retention = retention;
        this.rejected = metrics.counter("ftval.validations.rejected");
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(ValidationStores.VALIDATIONS);
        this.timers = new Timers(context.getStateStore(ValidationStores.TIMERS));
    }

    @Override
    public void process(Record<String, ValidationRequest> original) {
        if (original.value() == null) {
            return;
        }
        // the calibrated form is what is stored and compared: a redelivered request matches it again
        ValidationRequest request = calibrations.apply(original.value());
        Record<String, ValidationRequest> record = original.withValue(request);
        String id = request.getValidationId();
        MDC.put("validationId", String.valueOf(id));
        // the REST request's span (or any producer's) is the parent; the fan-out runs inside this span
        Span span = tracing.start("ftval.intake", SpanKind.CONSUMER, tracing.extract(record.headers()), id);
        try (Scope scope = span.makeCurrent()) {
            long now = context.currentSystemTimeMs();
            ValidationState existing = id == null ? null : store.get(id);
            if (existing != null) {
                if (!existing.getRequest().equals(request)) {
                    LOG.warn("a different request reuses this validation id; sent to the dead-letter topic");
                    DeadLetters.send(context, original, Topics.VALIDATION_REQUESTS.name(), DeadLetters.Reason.ID_REUSED, "validation id " + id + " is already in use");
                }
                return; // the same request delivered twice is taken once
            }
            List<String> problems = RequestCheck.problems(request, now, hasDefaultPool);
            if (problems.isEmpty()) {
                context.forward(record, FanoutProcessor.NAME);
                return;
            }
            rejected.increment();
            span.setAttribute("ftval.status", "REJECTED");
            LOG.infof("rejected: %s", problems);
            if (id == null || id.isBlank()) {
                DeadLetters.send(context, original, Topics.VALIDATION_REQUESTS.name(), DeadLetters.Reason.INVALID_WITHOUT_ID, "invalid request without an id: " + problems);
                return;
            }
            ValidationDecision decision = Decisions.rejected(request, problems, now);
            store.put(id, new ValidationState(request, List.of(), List.of(), decision));
            timers.schedule(now + retention.toMillis(), id, Timers.Kind.FORGET);
            context.forward(new Record<String, SpecificRecord>(id, decision, record.timestamp()), Topics.VALIDATION_DECISIONS.name());
        } finally {
            span.end();
            MDC.remove("validationId");
        }
    }
}
