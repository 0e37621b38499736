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

    private final Admission admission;
    private final Calibrations calibrations;
    private final Duration retention;
    private final Counter rejected;
    private final Counter conflicts;
    private final Tracing tracing;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ValidationState> store;
    private Timers timers;

    /**
     * @param admission the bases, bundles and prompt pool this coordinator admits
     * @param calibrations per-base thresholds, applied to requests that give none
     * @param retention how long a rejected validation stays queryable
     */
    public IntakeProcessor(Admission admission, Calibrations calibrations, Duration retention, MeterRegistry metrics, Tracing tracing) {
        this.admission = admission;
        this.calibrations = calibrations;
        this.tracing = tracing;
        this.retention = retention;
        this.rejected = metrics.counter("ftval.validations.rejected");
        this.conflicts = metrics.counter("ftval.validations.id.conflicts");
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
            DeadLetters.send(context, original, Topics.VALIDATION_REQUESTS.name(), DeadLetters.Reason.NO_VALUE,
                    "a request record without a value (key " + original.key() + ")");
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
            if (id != null && !id.equals(record.key())) {
                // its scores are keyed by the id: a request under another key sits in another partition than they do
                LOG.warnf("a request under the key '%s' sent to the dead-letter topic", record.key());
                DeadLetters.send(context, original, Topics.VALIDATION_REQUESTS.name(), DeadLetters.Reason.KEY_MISMATCH, "the record's key '" + record.key()
                        + "' is not its validationId '" + id + "': a request is keyed by its validation id (docs/integration.md)");
                return;
            }
            ValidationState existing = id == null ? null : store.get(id);
            if (existing != null) {
                if (!existing.getRequest().equals(request)) {
                    conflicts.increment();
                    LOG.warn("a different request reuses this validation id; sent to the dead-letter topic");
                    DeadLetters.send(context, original, Topics.VALIDATION_REQUESTS.name(), DeadLetters.Reason.ID_REUSED, "validation id " + id + " is already in use");
                }
                return; // the same request delivered twice is taken once
            }
            List<String> problems = RequestCheck.problems(request, now, admission);
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
            store.put(id, new ValidationState(request, List.of(), List.of(), decision, List.of()));
            timers.schedule(now + retention.toMillis(), id, Timers.Kind.FORGET);
            context.forward(new Record<String, SpecificRecord>(id, decision, record.timestamp()), Topics.VALIDATION_DECISIONS.name());
        } finally {
            span.end();
            MDC.remove("validationId");
        }
    }
}
