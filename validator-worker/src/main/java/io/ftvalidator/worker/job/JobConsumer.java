package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.ImageRender;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderError;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.worker.WorkerConfig;
import io.ftvalidator.worker.job.JobMeters.Outcome;
import io.micrometer.core.instrument.Timer;
import io.ftvalidator.schemas.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One render slot's member of the workers' share group, on its own thread (a share consumer is
 * not thread-safe): it takes one job when its slot is free, renders it on the slot's thread, and
 * acknowledges it by what happened (docs/topics.md, "How jobs are shared"):
 *
 * <ul>
 *   <li>score written (acks=all) -> ACCEPT;
 *   <li>a failure on this worker's account (an exception, out of memory, a full disk), a score that
 *       could not be written, or the worker stopping -> RELEASE: another worker takes the job;
 *   <li>a record that is no readable job -> dead letter (the bytes as they came) and REJECT;
 *   <li>a job delivered as often as the group allows (it stopped or failed every worker that took
 *       it) -> not rendered again: a score whose every result is a DELIVERY_LIMIT error (the
 *       coordinator decides the validation INCONCLUSIVE, blaming no submission), a dead letter,
 *       and REJECT.
 * </ul>
 *
 * <p>While a render runs, the slot renews the job's lock every third of the lock duration (KIP-1222:
 * a renewed record comes back from the next poll, and is acknowledged again), so a render of any
 * length is neither redelivered nor lost. One consumer per slot, because a share consumer that is
 * renewing a record fetches no new ones (measured on Kafka 4.4.0): a single consumer
 * would leave the other slots idle while one long render runs.
 */
final class JobConsumer implements Runnable {

    private static final Logger LOG = Logger.getLogger(JobConsumer.class);
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration COMMIT = Duration.ofSeconds(30);

    /** Thrown out of a wait when the worker stops mid-job. */
    private static final class Stopping extends Exception {
        Stopping() {
            super(null, null, false, false);
        }
    }

    private final RenderSlots.Slot slot;
    private final ShareConsumer<byte[], byte[]> consumer;
    /** Reads a job in the topic's encoding (single-object or the registry's: docs/integration.md). */
    private final Deserializer<RenderJob> jobs;
    private final Publisher publisher;
    private final JobRenderer renderer;
    private final TestHooks hooks;
    private final DecidedValidations decided;
    private final JobMeters meters;
    private final ShareGroup group;
    private final WorkerConfig.Jobs config;
    private final String workerId;
    private final DeviceInfo device;
    private final Tracing tracing;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean running = true;

    /** The job this slot holds: its latest delivery (a renewal delivers it again), or null. */
    private ConsumerRecord<byte[], byte[]> held;
    /** Whether {@link #held} came with the last poll, so that it may be acknowledged. */
    private boolean acknowledgeable;
    private int failuresInARow;
    /** The held job's span as a context: the parent of its renders, carried by its score. */
    private Context trace = Context.root();

    JobConsumer(RenderSlots.Slot slot, ShareConsumer<byte[], byte[]> consumer, Deserializer<RenderJob> jobs, Publisher publisher,
            JobRenderer renderer, TestHooks hooks, DecidedValidations decided, JobMeters meters, ShareGroup group, WorkerConfig.Jobs config,
            String workerId, DeviceInfo device, Tracing tracing) {
        this.tracing = tracing;
        this.slot = slot;
        this.consumer = consumer;
        this.jobs = jobs;
        this.publisher = publisher;
        this.renderer = renderer;
        this.hooks = hooks;
        this.decided = decided;
        this.meters = meters;
        this.group = group;
        this.config = config;
        this.workerId = workerId;
        this.device = device;
    }

    boolean running() {
        return running;
    }

    /** Asks the loop to end; a job in hand is released. */
    void stop() {
        stop.countDown();
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(Topics.RENDER_JOBS.name()));
            while (stop.getCount() > 0) {
                try {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                    ConsumerRecord<byte[], byte[]> job = null;
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (job == null) {
                            job = r;
                        } else {
                            consumer.acknowledge(r, AcknowledgeType.RELEASE); // one slot, one job
                        }
                    }
                    if (job != null) {
                        take(job);
                    }
                } catch (WakeupException | Stopping e) {
                    // the loop condition ends it
                } catch (RuntimeException e) {
                    // a broker outage, or a bug met by one record: the loop goes on
                    LOG.errorf(e, "slot %d: taking a job failed; retrying", slot.index());
                    if (held != null) {
                        acknowledge(AcknowledgeType.RELEASE, Outcome.RELEASED);
                    }
                    backOff();
                }
            }
        } finally {
            running = false;
            if (held != null && acknowledgeable) {
                acknowledge(AcknowledgeType.RELEASE, Outcome.STOPPED);
            } else if (held != null) {
                meters.outcome(Outcome.STOPPED); // being renewed: close() releases it
            }
            consumer.close(Duration.ofSeconds(10)); // releases anything still acquired
            LOG.infof("slot %d left share group %s", slot.index(), group.id());
        }
    }

    /** Handles one delivered job until it is acknowledged. */
    private void take(ConsumerRecord<byte[], byte[]> record) throws Stopping {
        held = record;
        acknowledgeable = true;
        int deliveries = record.deliveryCount().map(Short::intValue).orElse(1);
        meters.delivered(deliveries);
        if (deliveries == 1) {
            meters.queued(record.timestamp()); // the wait for a first delivery; a redelivery's wait is a lock's
        }
        RenderJob job;
        try {
            job = jobs.deserialize(record.topic(), record.headers(), record.value());
            if (job == null) {
                throw new SerializationException("topic " + record.topic() + ": a record without a value");
            }
        } catch (SerializationException e) {
            deadLetter(record, e.getMessage() + " (partition " + record.partition() + ", offset " + record.offset() + ")");
            return;
        }
        MDC.put("validationId", job.getValidationId());
        // a child of the coordinator's fan-out span, whose context the job carries; the renders and the score follow it
        Span span = tracing.start("ftval.job", SpanKind.CONSUMER, tracing.extract(record.headers()), job.getValidationId());
        span.setAttribute(Tracing.IMAGE_INDEX, (long) job.getImageIndex());
        span.setAttribute("ftval.delivery", (long) deliveries);
        span.setAttribute("ftval.worker.id", workerId);
        trace = Context.root().with(span);
        try {
            handle(job, deliveries);
        } finally {
            span.end();
            trace = Context.root();
            MDC.remove("validationId");
        }
    }

    private void handle(RenderJob job, int deliveries) throws Stopping {
        if (System.currentTimeMillis() > job.getDeadlineMillis()) {
            LOG.infof("image %d skipped: the validation's deadline has passed", job.getImageIndex());
            finish(AcknowledgeType.ACCEPT, Outcome.PAST_DEADLINE);
            return;
        }
        if (decided.isDecided(job.getValidationId())) {
            LOG.infof("image %d skipped: the validation is decided already", job.getImageIndex());
            finish(AcknowledgeType.ACCEPT, Outcome.DECIDED);
            return;
        }
        if (deliveries >= group.deliveryLimit()) {
            giveUp(job, deliveries);
            return;
        }
        LOG.infof("image %d taken on slot %d (delivery %d of at most %d)", job.getImageIndex(), slot.index(), deliveries, group.deliveryLimit());
        Timer.Sample sample = Timer.start();
        JobRenderer.Rendered rendered;
        meters.inFlight().incrementAndGet();
        try {
            rendered = await(slot.submit(cache -> {
                hooks.beforeRender(job);
                return renderer.render(job, cache, trace);
            }));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            LOG.errorf(cause, "image %d failed on this worker; released to another", job.getImageIndex());
            release(Outcome.RELEASED);
            return;
        } finally {
            meters.inFlight().decrementAndGet();
        }
        sample.stop(meters.duration());
        ImageScore score = rendered.score();
        Optional<SubmissionResult> own = score.getResults().stream()
                .filter(r -> r.getError() != null && !r.getError().getSubmissionFault()).findFirst();
        if (own.isPresent()) {
            RenderError e = own.get().getError();
            LOG.warnf("image %d of %s failed on this worker's account (%s: %s); released to another worker",
                    job.getImageIndex(), own.get().getSubmissionId(), e.getKind(), e.getMessage());
            release(Outcome.RELEASED);
            return;
        }
        score.setAttempt(deliveries - 1);
        try {
            await(publisher.score(score, trace));
        } catch (ExecutionException e) {
            LOG.errorf("the score of image %d could not be written (%s); released to another worker", job.getImageIndex(), e.getCause().toString());
            release(Outcome.WRITE_FAILED);
            return;
        }
        for (ImageRender image : rendered.images()) {
            image.setAttempt(deliveries - 1);
            publisher.render(image);
        }
        long failed = score.getResults().stream().filter(r -> r.getError() != null).count();
        LOG.infof("image %d rendered for %d submissions in %d ms%s", job.getImageIndex(), score.getResults().size(),
                score.getFinishedAtMillis() - score.getStartedAtMillis(), failed == 0 ? "" : ", " + failed + " failed");
        failuresInARow = 0;
        finish(AcknowledgeType.ACCEPT, Outcome.RENDERED);
    }

    /**
     * A job that stopped or failed every worker that took it is not rendered again: its
     * validation learns why through a score, operators through a dead letter.
     */
    private void giveUp(RenderJob job, int deliveries) throws Stopping {
        String reason = "delivery limit: the job was delivered " + deliveries + " times and no worker finished it"
                + " (each one stopped or failed on its own account); not rendered again";
        LOG.errorf("image %d: %s", job.getImageIndex(), reason);
        long now = System.currentTimeMillis();
        List<SubmissionResult> results = job.getSubmissions().stream()
                .map(s -> new SubmissionResult(s.getId(), null, 0L, new RenderError("DELIVERY_LIMIT", reason, false)))
                .toList();
        ImageScore score = ImageScore.newBuilder().setValidationId(job.getValidationId()).setImageIndex(job.getImageIndex())
                .setAttempt(deliveries - 1).setWorkerId(workerId).setDevice(device).setResults(results)
                .setStartedAtMillis(now).setFinishedAtMillis(now).setNonce(job.getNonce()).build();
        try {
            await(publisher.score(score, trace));
            await(publisher.deadLetter(held, reason));
            meters.deadLettered("delivery-limit");
        } catch (ExecutionException e) {
            LOG.errorf("image %d: the failure could not be written (%s); the validation will miss the image at its deadline",
                    job.getImageIndex(), e.getCause().toString());
        }
        finish(AcknowledgeType.REJECT, Outcome.DELIVERY_LIMIT);
    }

    /** A record that is no readable job: kept on the dead-letter topic as it came, then rejected. */
    private void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) throws Stopping {
        LOG.errorf("%s: sent to %s", reason, Topics.DEAD_LETTERS.name());
        try {
            await(publisher.deadLetter(record, reason));
        } catch (ExecutionException e) {
            LOG.errorf("the unreadable record could not be dead-lettered (%s); released", e.getCause().toString());
            release(Outcome.WRITE_FAILED);
            return;
        }
        meters.deadLettered("unreadable-job");
        finish(AcknowledgeType.REJECT, Outcome.UNREADABLE);
    }

    /** Gives the job back after a failure on this worker's account, then pauses this slot. */
    private void release(Outcome outcome) throws Stopping {
        finish(AcknowledgeType.RELEASE, outcome);
        backOff();
    }

    /** Waits for {@code work}, renewing the job's lock meanwhile. */
    private <T> T await(Future<T> work) throws ExecutionException, Stopping {
        long renewEvery = Math.max(100, consumer.acquisitionLockTimeoutMs().map(Integer::longValue)
                .orElse(group.lockDuration().toMillis()) / 3);
        while (true) {
            if (stop.getCount() == 0) {
                throw new Stopping();
            }
            try {
                return work.get(renewEvery, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                renew();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopping();
            }
        }
    }

    /**
     * RENEW, committed at once (so that a failed renewal shows), then the poll that delivers the
     * renewed record back: it may be acknowledged only once it is back.
     */
    private void renew() throws Stopping {
        try {
            if (acknowledgeable) {
                consumer.acknowledge(held, AcknowledgeType.RENEW);
                acknowledgeable = false;
                meters.renewed();
                consumer.commitSync(COMMIT).forEach((partition, failure) -> failure.ifPresent(e -> LOG.warnf(
                        "the lock of %s-%d@%d was not renewed (%s); another worker may take the job",
                        held.topic(), held.partition(), held.offset(), e.getMessage())));
            }
            pollForHeld();
        } catch (WakeupException e) {
            throw new Stopping();
        }
    }

    /** Polls until the held job is delivered back after a renewal, for at most a lock duration. */
    private void reclaim() throws Stopping {
        long until = System.nanoTime() + group.lockDuration().toNanos() + POLL.toNanos();
        try {
            while (!acknowledgeable && System.nanoTime() < until) {
                pollForHeld();
            }
        } catch (WakeupException e) {
            throw new Stopping();
        }
    }

    private void pollForHeld() {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            if (r.partition() == held.partition() && r.offset() == held.offset() && r.topic().equals(held.topic())) {
                held = r;
                acknowledgeable = true;
            } else {
                consumer.acknowledge(r, AcknowledgeType.RELEASE); // the slot is busy
            }
        }
    }

    /** Acknowledges the held job once it is back from a renewal. */
    private void finish(AcknowledgeType type, Outcome outcome) throws Stopping {
        if (!acknowledgeable) {
            reclaim();
        }
        acknowledge(type, outcome);
    }

    /** Acknowledges the held job and commits, so that the broker has it before the slot moves on; a lost lock is counted. */
    private void acknowledge(AcknowledgeType type, Outcome outcome) {
        ConsumerRecord<byte[], byte[]> record = held;
        held = null;
        if (!acknowledgeable) {
            LOG.warnf("%s-%d@%d: the lock was lost before the job was acknowledged (%s); it may be delivered again",
                    record.topic(), record.partition(), record.offset(), type);
            meters.outcome(Outcome.LOCK_LOST);
            return;
        }
        acknowledgeable = false;
        meters.outcome(outcome);
        try {
            consumer.acknowledge(record, type);
            Map<TopicIdPartition, Optional<KafkaException>> result = consumer.commitSync(COMMIT);
            result.forEach((partition, failure) -> failure.ifPresent(e -> LOG.warnf(
                    "%s of %s-%d@%d was not recorded (%s); the job may be delivered again, its image counts once",
                    type, record.topic(), record.partition(), record.offset(), e.getMessage())));
        } catch (WakeupException e) {
            // stopping: close() sends what is pending
        } catch (KafkaException e) {
            LOG.warnf("%s of %s-%d@%d failed (%s); the job may be delivered again, its image counts once",
                    type, record.topic(), record.partition(), record.offset(), e.getMessage());
        }
    }

    /** After a failure on this worker's account: a pause, doubled per failure in a row, so that a broken worker does not drain the queue. */
    private void backOff() {
        failuresInARow++;
        long millis = Math.min(config.maxFailureBackoff().toMillis(),
                config.failureBackoff().toMillis() << Math.min(20, failuresInARow - 1));
        try {
            stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.countDown();
        }
    }
}
