package io.ftvalidator.worker.job;

import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.schemas.DeviceInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker's job metrics, shared by its slots (docs/operations.md lists them). Timers are tagged
 * with the device kind and card model, so that a fleet's dashboards compare card types; every tag
 * takes a handful of values.
 */
final class JobMeters {

    /** How a delivered job ended on this worker. */
    enum Outcome {
        /** Rendered, scored, accepted; some submissions may have failed on their own account. */
        RENDERED("rendered"),
        /** The validation's deadline had passed: accepted unrendered. */
        PAST_DEADLINE("past-deadline"),
        /** The render failed on this worker's account: released to another worker. */
        RELEASED("released"),
        /** The score (or a dead letter) could not be written: released to another worker. */
        WRITE_FAILED("write-failed"),
        /** Not a readable job: dead-lettered and rejected. */
        UNREADABLE("unreadable"),
        /** Delivered as often as the group allows: scored as failed, dead-lettered, rejected. */
        DELIVERY_LIMIT("delivery-limit"),
        /** Its validation was already decided (early): accepted unrendered. */
        DECIDED("decided"),
        /** The worker stopped mid-job: released to another worker. */
        STOPPED("stopped"),
        /** The lock was lost (the job may be delivered again; its image counts once). */
        LOCK_LOST("lock-lost");

        private final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }
    }

    private final MeterRegistry registry;
    private final Tags device;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter renewals;
    private final DistributionSummary deliveries;
    private final Timer duration;
    private final Timer queueWait;
    private final Timer render;

    JobMeters(MeterRegistry registry, DeviceInfo info) {
        this.registry = registry;
        this.device = Tags.of("device_kind", info.getKind().name().toLowerCase(), "card", info.getName());
        registry.gauge("ftval.worker.jobs.in.flight", device, inFlight);
        // every outcome and dead-letter reason at 0 from the start, so that rates and alerts see them
        for (Outcome o : Outcome.values()) {
            registry.counter("ftval.worker.jobs", "outcome", o.tag);
        }
        for (String reason : new String[] {"unreadable-job", "delivery-limit"}) {
            registry.counter("ftval.dead.letters", "reason", reason);
        }
        this.renewals = registry.counter("ftval.worker.lock.renewals");
        this.deliveries = DistributionSummary.builder("ftval.worker.job.deliveries")
                .description("the delivery count of each job taken (1: first delivery)").register(registry);
        this.duration = Timer.builder("ftval.worker.job.duration").tags(device)
                .description("a job from its delivery to its score written: every submission's image, fetches and loads included")
                .publishPercentileHistogram().register(registry);
        this.queueWait = Timer.builder("ftval.worker.job.queue.wait").tags(device)
                .description("a job's wait from its publication to its delivery to this worker")
                .publishPercentileHistogram().maximumExpectedValue(Duration.ofHours(1)).register(registry);
        this.render = Timer.builder("ftval.worker.render").tags(device)
                .description("one submission's image rendered and hashed, without fetching and loading its model")
                .publishPercentileHistogram().register(registry);
    }

    void outcome(Outcome outcome) {
        registry.counter("ftval.worker.jobs", "outcome", outcome.tag).increment();
    }

    void delivered(int count) {
        deliveries.record(count);
    }

    void queued(long publishedAtMillis) {
        queueWait.record(Math.max(0, System.currentTimeMillis() - publishedAtMillis), TimeUnit.MILLISECONDS);
    }

    void rendered(long millis) {
        render.record(millis, TimeUnit.MILLISECONDS);
    }

    /** A submission's image that failed, by the engine's kind of failure. */
    void renderFailed(String kind, boolean submissionFault) {
        registry.counter("ftval.worker.render.failures", "kind", kind, "fault", submissionFault ? "submission" : "worker").increment();
    }

    /** A record sent to the dead letters by this worker. */
    void deadLettered(String reason) {
        registry.counter("ftval.dead.letters", "reason", reason).increment();
    }

    void renewed() {
        renewals.increment();
    }

    AtomicInteger inFlight() {
        return inFlight;
    }

    Timer duration() {
        return duration;
    }

    /** Model cache hits, misses and evictions of every slot. */
    static ModelCache.Listener cacheListener(MeterRegistry registry) {
        // at zero from the start, so that dashboards and alerts find them before the first eviction
        for (String kind : List.of(ModelCache.BASE, ModelCache.MERGED)) {
            evictions(registry, kind);
            evictedBytes(registry, kind);
        }
        return new ModelCache.Listener() {
            @Override
            public void hit(String kind) {
                registry.counter("ftval.worker.model.cache.requests", "kind", kind, "result", "hit").increment();
            }

            @Override
            public void miss(String kind) {
                registry.counter("ftval.worker.model.cache.requests", "kind", kind, "result", "miss").increment();
            }

            @Override
            public void evicted(String kind, long bytes) {
                evictions(registry, kind).increment();
                evictedBytes(registry, kind).increment(bytes);
            }
        };
    }

    private static Counter evictions(MeterRegistry registry, String kind) {
        return registry.counter("ftval.worker.model.cache.evictions", "kind", kind);
    }

    private static Counter evictedBytes(MeterRegistry registry, String kind) {
        return Counter.builder("ftval.worker.model.cache.evicted").tag("kind", kind).baseUnit("bytes").register(registry);
    }
}
