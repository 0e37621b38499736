package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.coordinator.deadletter.DeadLetters;
import io.ftvalidator.coordinator.fanout.RenderJobs;
import io.ftvalidator.coordinator.state.Timers;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.ValidationState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ftvalidator.schemas.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import org.apache.kafka.common.header.internals.RecordHeaders;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Scores -> decision: aggregates image scores into their validation's state. Each image counts once (a re-delivered
 * job's score is dropped); the decision is published once: when the last image is in, earlier when
 * early verdicts are on and the images in so far already settle it (the workers then skip the
 * rest of its jobs), or at the deadline as INCONCLUSIVE. Jobs are not sent out again from here: the workers' share group
 * redelivers a job a worker gave back, up to its delivery limit, and a job no worker finished
 * comes back as a score with worker-side errors, which {@link Decisions} blames on no submission.
 */
public final class ScoreProcessor implements Processor<String, ImageScore, String, SpecificRecord> {

    /** This processor's node name in the topology. */
    public static final String NAME = "scores";

    private static final Logger LOG = Logger.getLogger(ScoreProcessor.class);

    private final Duration scanInterval;
    private final Duration retention;
    private final boolean early;
    private final MeterRegistry metrics;
    private final Counter duplicates;
    private final Counter scores;
    /** Images a validation decided early did not need. */
    private final Counter saved;
    private final DecisionMeters decisions;
    private final Tracing tracing;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ValidationState> store;
    private Timers timers;

    /**
     * @param scanInterval how often deadlines and retentions are checked
     * @param retention how long a decided validation stays queryable
     * @param early whether to decide as soon as the verdict cannot change ({@link Decisions#isFinalEarly})
     */
    public ScoreProcessor(Duration scanInterval, Duration retention, boolean early, MeterRegistry metrics, Tracing tracing) {
        this.tracing = tracing;
        this.scanInterval = scanInterval;
        this.retention = retention;
        this.early = early;
        this.metrics = metrics;
        this.saved = metrics.counter("ftval.images.saved");
        this.duplicates = metrics.counter("ftval.scores.duplicate");
        this.scores = metrics.counter("ftval.scores.aggregated");
        this.decisions = new DecisionMeters(metrics);
        DeadLetters.register(metrics);
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(ValidationStores.VALIDATIONS);
        this.timers = new Timers(context.getStateStore(ValidationStores.TIMERS));
        context.schedule(scanInterval, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, ImageScore> record) {
        ImageScore score = record.value();
        if (score == null) {
            DeadLetters.send(context, record, Topics.IMAGE_SCORES.name(), DeadLetters.Reason.NO_VALUE, "a score record without a value (key " + record.key() + ")");
            return;
        }
        String id = score.getValidationId();
        MDC.put("validationId", id);
        // a child of the worker's job span, whose context the score carries
        Span span = tracing.start("ftval.score", SpanKind.CONSUMER, tracing.extract(record.headers()), id);
        span.setAttribute(Tracing.IMAGE_INDEX, (long) score.getImageIndex());
        span.setAttribute("ftval.worker.id", String.valueOf(score.getWorkerId()));
        try (Scope scope = span.makeCurrent()) {
            ValidationState state = store.get(id);
            if (state == null) {
                DeadLetters.send(context, record, Topics.IMAGE_SCORES.name(), DeadLetters.Reason.UNKNOWN_VALIDATION, "score for unknown validation " + id);
                return;
            }
            if (state.getDecision() != null) {
                duplicates.increment();
                LOG.debugf("score of image %d after the decision, dropped", score.getImageIndex());
                return;
            }
            ValidationRequest request = state.getRequest();
            int index = score.getImageIndex();
            Optional<ScoreCheck.Refusal> refused = ScoreCheck.problem(state, score);
            if (refused.isPresent()) {
                metrics.counter("ftval.scores.refused", "reason", refused.get().tag()).increment();
                LOG.warnf("score of image %d from %s refused: %s", index, score.getWorkerId(), refused.get().reason());
                DeadLetters.send(context, record, Topics.IMAGE_SCORES.name(), DeadLetters.Reason.REFUSED_SCORE, refused.get().reason());
                return;
            }
            // scores hold one per image: a second one for an image is dropped here, before it is added
            if (state.getScores().stream().anyMatch(s -> s.getImageIndex() == index)) {
                duplicates.increment();
                LOG.debugf("image %d scored twice, the second is dropped", index);
                return;
            }
            List<ImageScore> all = new ArrayList<>(state.getScores());
            all.add(score);
            state.setScores(all);
            scores.increment();
            int done = all.size();
            LOG.debugf("image %d in from %s (%s), %d of %d", index, score.getWorkerId(),
                    score.getDevice().getName(), done, request.getImages());
            if (done == request.getImages() || (early && Decisions.isFinalEarly(state))) {
                publish(state, Decisions.decided(state, context.currentSystemTimeMs()), record.timestamp());
                saved.increment(request.getImages() - done);
            }
            store.put(id, state);
        } finally {
            span.end();
            MDC.remove("validationId");
        }
    }

    /** At the deadline, decide INCONCLUSIVE; after the retention, forget decided validations. */
    private void sweep(long now) {
        for (Timers.Due due : timers.due(now)) {
            timers.done(due);
            ValidationState state = store.get(due.validationId());
            if (state == null) {
                continue;
            }
            if (due.kind() == Timers.Kind.FORGET) {
                store.delete(due.validationId());
            } else if (due.kind() == Timers.Kind.RESEND) {
                if (state.getDecision() == null) {
                    resendMissing(state, now);
                }
            } else if (state.getDecision() == null) {
                MDC.put("validationId", due.validationId());
                try {
                    publish(state, Decisions.inconclusive(state, now), now);
                    store.put(due.validationId(), state);
                } catch (RuntimeException e) {
                    // one validation's trouble does not stop the sweep of the others (a punctuation has no record to dead-letter)
                    metrics.counter("ftval.deadline.failures").increment();
                    LOG.errorf(e, "the deadline decision failed; the validation stays pending");
                } finally {
                    MDC.remove("validationId");
                }
            }
        }
    }

    /**
     * Publishes the jobs of the images still without a score once more, with their nonces: a job
     * the share group lost (seen across a broker restart, docs/reliability.md) is rendered after
     * all, and a job rendered twice counts once.
     */
    private void resendMissing(ValidationState state, long now) {
        ValidationRequest request = state.getRequest();
        if (state.getJobNonces().size() != request.getImages() || state.getPrompts().size() != request.getImages()) {
            return; // taken before nonces existed
        }
        Set<Integer> scored = new HashSet<>();
        state.getScores().forEach(s -> scored.add(s.getImageIndex()));
        int sent = 0;
        for (int i = 0; i < request.getImages(); i++) {
            if (!scored.contains(i)) {
                // sent again without a trace context: the fan-out's span has ended
                RenderJobs.send(context, RenderJobs.of(request, i, state.getPrompts().get(i), state.getJobNonces().get(i)), now,
                        new RecordHeaders());
                sent++;
            }
        }
        if (sent > 0) {
            metrics.counter("ftval.render.jobs.resent").increment(sent);
            MDC.put("validationId", request.getValidationId());
            try {
                LOG.infof("%d of %d images still without a score: their jobs published once more", sent, request.getImages());
            } finally {
                MDC.remove("validationId");
            }
        }
    }

    /** Records the decision in the state, publishes it, and moves the validation's timer from deadline to retention. */
    private void publish(ValidationState state, ValidationDecision decision, long timestamp) {
        // a child of the last score's span (current), or a root span at a deadline
        Span span = tracing.start("ftval.decision", SpanKind.PRODUCER, Context.current(), decision.getValidationId());
        span.setAttribute("ftval.status", decision.getStatus().name());
        span.setAttribute("ftval.verdict", decision.getVerdict().name());
        RecordHeaders headers = new RecordHeaders();
        tracing.inject(Context.current().with(span), headers);
        span.end();
        state.setDecision(decision);
        timers.cancel(state.getRequest().getDeadlineMillis(), decision.getValidationId());
        timers.schedule(decision.getDecidedAtMillis() + retention.toMillis(), decision.getValidationId(), Timers.Kind.FORGET);
        context.forward(new Record<String, SpecificRecord>(decision.getValidationId(), decision, timestamp, headers),
                Topics.VALIDATION_DECISIONS.name());
        decisions.published(decision, state.getRequest().getRequestedAtMillis());
        LOG.infof("%s %s: %s", decision.getStatus(), decision.getVerdict(), decision.getReason());
    }

}
