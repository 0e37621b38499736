package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.PairResult;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.Verdict;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What each published decision tells a dashboard: counts by status and verdict, the latency from
 * the request to the decision, and the distances of every pair, so that honest pairs drifting
 * towards the threshold show before they are called different. Tags take a handful of values.
 */
final class DecisionMeters {

    /** Per-image Hamming distances of a 64-bit hash: every bit count up to 16 (0.5: exactly 0), then coarser. */
    private static final double[] BITS = {0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 24, 32, 48, 64};
    /**
     * A pair's decisive statistic in percent of its threshold: below 100 is "same". Percent, not a
     * ratio: Micrometer's summary histograms round a value up to a whole number before they bucket it
     * (0.07 lands in a bucket of 1), so bounds below 1 would be wrong.
     */
    private static final double[] PERCENT = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 125, 150, 200, 300, 500};

    private final MeterRegistry registry;

    DecisionMeters(MeterRegistry registry) {
        this.registry = registry;
        // every series at 0 from the start, so that rates and alerts have them before the first decision
        for (DecisionStatus status : DecisionStatus.values()) {
            for (Verdict verdict : Verdict.values()) {
                registry.counter("ftval.decisions", "status", status.name(), "verdict", verdict.name());
            }
        }
        for (String same : new String[] {"true", "false"}) {
            for (Rule rule : Rule.values()) {
                imageDistance(rule.name(), same);
                percentOfThreshold(rule.name(), same);
            }
        }
    }

    void published(ValidationDecision decision, long requestedAtMillis) {
        registry.counter("ftval.decisions", "status", decision.getStatus().name(), "verdict", decision.getVerdict().name()).increment();
        Timer.builder("ftval.decision.latency").tag("status", decision.getStatus().name())
                .description("from the request's arrival to its decision").publishPercentileHistogram()
                .maximumExpectedValue(Duration.ofHours(6)).register(registry)
                .record(Math.max(0, decision.getDecidedAtMillis() - requestedAtMillis), TimeUnit.MILLISECONDS);
        String rule = decision.getRule().name();
        for (PairResult pair : decision.getPairs()) {
            String same = Boolean.toString(pair.getSame());
            DistributionSummary perImage = imageDistance(rule, same);
            pair.getDistances().forEach(perImage::record);
            double decisive = decision.getRule() == Rule.MEAN ? pair.getMean() : pair.getMax();
            if (decision.getThreshold() > 0) {
                percentOfThreshold(rule, same).record(100 * decisive / decision.getThreshold());
            }
        }
    }

    private DistributionSummary imageDistance(String rule, String same) {
        return DistributionSummary.builder("ftval.pair.image.distance").baseUnit("bits").tags("rule", rule, "same", same)
                .description("per-image Hamming distance between the two submissions of a pair").serviceLevelObjectives(BITS)
                .register(registry);
    }

    private DistributionSummary percentOfThreshold(String rule, String same) {
        return DistributionSummary.builder("ftval.pair.threshold.percent").baseUnit("percent").tags("rule", rule, "same", same)
                .description("a pair's decisive distance (mean, or max under every-image) in percent of the threshold; same below 100")
                .serviceLevelObjectives(PERCENT).register(registry);
    }
}
