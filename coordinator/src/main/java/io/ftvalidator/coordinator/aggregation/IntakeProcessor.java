package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.coordinator.intake.RequestCheck;
import io.ftvalidator.noise.Prompts;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.ValidationState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Takes a validation request in: checks it, resolves each image's prompt, records the validation's
 * state and publishes one render job per image. An invalid request gets a REJECTED decision.
 */
final class IntakeProcessor implements Processor<String, ValidationRequest, String, SpecificRecord> {

    private static final Logger LOG = Logger.getLogger(IntakeProcessor.class);

    private final ValidationTopology.Settings settings;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter jobs;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ValidationState> store;
    private Timers timers;

    IntakeProcessor(ValidationTopology.Settings settings, MeterRegistry metrics) {
        this.settings = settings;
        this.accepted = metrics.counter("ftval.validations.accepted");
        this.rejected = metrics.counter("ftval.validations.rejected");
        this.jobs = metrics.counter("ftval.render.jobs.published");
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(ValidationTopology.STORE);
        this.timers = new Timers(context.getStateStore(ValidationTopology.TIMERS));
    }

    @Override
    public void process(Record<String, ValidationRequest> record) {
        ValidationRequest request = record.value();
        if (request == null) {
            return;
        }
        String id = request.getValidationId();
        MDC.put("validationId", String.valueOf(id));
        try {
            long now = context.currentSystemTimeMs();
            ValidationState existing = id == null ? null : store.get(id);
            if (existing != null) {
                if (!existing.getRequest().equals(request)) {
                    LOG.warn("a different request reuses this validation id; sent to the dead-letter topic");
                    DeadLetters.send(context, record, Topics.VALIDATION_REQUESTS.name(), "validation id " + id + " is already in use");
                }
                return; // the same request delivered twice is taken once
            }
            List<String> problems = RequestCheck.problems(request, now, !settings.defaultPool().isEmpty());
            if (!problems.isEmpty()) {
                rejected.increment();
                LOG.infof("rejected: %s", problems);
                if (id == null || id.isBlank()) {
                    DeadLetters.send(context, record, Topics.VALIDATION_REQUESTS.name(), "invalid request without an id: " + problems);
                    return;
                }
                ValidationDecision decision = Decisions.rejected(request, problems, now);
                store.put(id, new ValidationState(request, List.of(), List.of(), decision));
                timers.schedule(now + settings.retention().toMillis(), id, Timers.Kind.FORGET);
                context.forward(new Record<String, SpecificRecord>(id, decision, record.timestamp()), ValidationTopology.DECISIONS_SINK);
                return;
            }
            List<String> prompts = Prompts.forImages(request.getPrompts(),
                    request.getPromptPool().isEmpty() ? settings.defaultPool() : request.getPromptPool(), request.getSeed(), request.getImages());
            store.put(id, new ValidationState(request, prompts, List.of(), null));
            timers.schedule(request.getDeadlineMillis(), id, Timers.Kind.DEADLINE);
            for (int i = 0; i < request.getImages(); i++) {
                RenderJob job = RenderJobs.of(request, i, prompts.get(i));
                context.forward(new Record<String, SpecificRecord>(Topics.jobKey(id, i), job, record.timestamp()), ValidationTopology.JOBS_SINK);
            }
            accepted.increment();
            jobs.increment(request.getImages());
            LOG.infof("accepted, %d submissions x %d images, %d render jobs published",
                    request.getSubmissions().size(), request.getImages(), request.getImages());
        } finally {
            MDC.remove("validationId");
        }
    }
}
