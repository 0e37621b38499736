package io.ftvalidator.worker.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicInteger;

/** The worker's job metrics, shared by its slots. */
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
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter renewals;
    private final DistributionSummary deliveries;
    private final Timer duration;

    JobMeters(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("ftval.worker.jobs.in.flight", inFlight);
        this.renewals = registry.counter("ftval.worker.lock.renewals");
        this.deliveries = DistributionSummary.builder("ftval.worker.job.deliveries")
                .description("the delivery count of each job taken (1: first delivery)").register(registry);
        this.duration = registry.timer("ftval.worker.job.duration");
    }

    void outcome(Outcome outcome) {
        registry.counter("ftval.worker.jobs", "outcome", outcome.tag).increment();
    }

    void delivered(int count) {
        deliveries.record(count);
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
}
