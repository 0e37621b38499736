package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.coordinator.deadletter.DeadLetters;
import io.ftvalidator.coordinator.fanout.RenderJobs;
import io.ftvalidator.coordinator.state.Timers;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.ValidationState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * job's score is dropped); the decision is published once, when the last image is in, or at the
 * deadline as INCONCLUSIVE. A score a worker could not produce for its own reasons (out of memory,
 * fetch timeout) sends the job out again, up to the attempt limit.
 */
public final class ScoreProcessor implements Processor<String, ImageScore, String, SpecificRecord> {

    /** This processor's node name in the topology. */
    public static final String NAME = "scores";

    private static final Logger LOG = Logger.getLogger(ScoreProcessor.class);

    private final int maxAttempts;
    private final Duration scanInterval;
    private final Duration retention;
    private final MeterRegistry metrics;
    private final Counter duplicates;
    private final Counter retries;
    private final Counter scores;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, ValidationState> store;
    private Timers timers;

    /**
     * @param maxAttempts render attempts of an image whose worker failed on its own account
     * @param scanInterval how often deadlines and retentions are checked
     * @param retention how long a decided validation stays queryable
     */
    public ScoreProcessor(int maxAttempts, Duration scanInterval, Duration retention, MeterRegistry metrics) {
        this.maxAttempts = maxAttempts;
        this.scanInterval = scanInterval;
        this.retention = retention;
        this.metrics = metrics;
        this.duplicates = metrics.counter("ftval.scores.duplicate");
        this.retries = metrics.counter("ftval.render.jobs.retried");
        this.scores = metrics.counter("ftval.scores.aggregated");
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
            return;
        }
        String id = score.getValidationId();
        MDC.put("validationId", id);
        try {
            ValidationState state = store.get(id);
            if (state == null) {
                DeadLetters.send(context, record, Topics.IMAGE_SCORES.name(), "score for unknown validation " + id);
                return;
            }
            if (state.getDecision() != null) {
                duplicates.increment();
                LOG.debugf("score of image %d after the decision, dropped", score.getImageIndex());
                return;
            }
            ValidationRequest request = state.getRequest();
            int index = score.getImageIndex();
            if (index < 0 || index >= request.getImages()) {
                DeadLetters.send(context, record, Topics.IMAGE_SCORES.name(), "image index " + index + " is outside 0.." + (request.getImages() - 1));
                return;
            }
            // scores hold one per image: a second one for an image is dropped here, before it is added
            if (state.getScores().stream().anyMatch(s -> s.getImageIndex() == index)) {
                duplicates.increment();
                LOG.debugf("image %d scored twice, the second is dropped", index);
                return;
            }
            if (workerFault(score) && score.getAttempt() + 1 < maxAttempts) {
                retry(state, score, record.timestamp());
                return;
            }
            List<ImageScore> all = new ArrayList<>(state.getScores());
            all.add(score);
            state.setScores(all);
            scores.increment();
            int done = all.size();
            LOG.debugf("image %d in from %s (%s), %d of %d", index, score.getWorkerId(),
                    score.getDevice().getName(), done, request.getImages());
            if (done == request.getImages()) {
                publish(state, Decisions.decided(state, context.currentSystemTimeMs()), record.timestamp());
            }
            store.put(id, state);
        } finally {
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
            } else if (state.getDecision() == null) {
                MDC.put("validationId", due.validationId());
                try {
                    publish(state, Decisions.inconclusive(state, now), now);
                    store.put(due.validationId(), state);
                } finally {
                    MDC.remove("validationId");
                }
            }
        }
    }

    /** Records the decision in the state, publishes it, and moves the validation's timer from deadline to retention. */
    private void publish(ValidationState state, ValidationDecision decision, long timestamp) {
        state.setDecision(decision);
        timers.cancel(state.getRequest().getDeadlineMillis(), decision.getValidationId());
        timers.schedule(decision.getDecidedAtMillis() + retention.toMillis(), decision.getValidationId(), Timers.Kind.FORGET);
        context.forward(new Record<String, SpecificRecord>(decision.getValidationId(), decision, timestamp), Topics.VALIDATION_DECISIONS.name());
        metrics.counter("ftval.decisions", "status", decision.getStatus().name(), "verdict", decision.getVerdict().name()).increment();
        LOG.infof("%s %s: %s", decision.getStatus(), decision.getVerdict(), decision.getReason());
    }

    private static boolean workerFault(ImageScore score) {
        return score.getResults().stream()
                .map(SubmissionResult::getError)
                .anyMatch(e -> e != null && !e.getSubmissionFault());
    }

    private void retry(ValidationState state, ImageScore score, long timestamp) {
        ValidationRequest request = state.getRequest();
        int index = score.getImageIndex();
        RenderJob job = RenderJobs.of(request, index, state.getPrompts().get(index), score.getAttempt() + 1);
        retries.increment();
        LOG.infof("image %d failed on worker %s for its own reasons; attempt %d sent out",
                index, score.getWorkerId(), job.getAttempt() + 1);
        RenderJobs.send(context, job, timestamp);
    }
}
