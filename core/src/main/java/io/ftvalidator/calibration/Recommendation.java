package io.ftvalidator.calibration;

import io.ftvalidator.decision.Rule;
import java.util.List;

/**
 * A calibrated (rule, threshold, images): over windows of {@code images} images, every honest
 * pair's statistic was at most {@code worstHonest} and every dishonest pair's at least
 * {@code bestDishonest}; the threshold sits in the middle (same iff the statistic is strictly
 * below it), leaving {@link #margin} on both sides. The coordinator takes it per base model
 * (docs/thresholds.md, "Calibrating your own base and recipe").
 */
public record Recommendation(Rule rule, double threshold, int images, double worstHonest, double bestDishonest) {

    /** Where the coordinator reads a base's calibration: this prefix, a name ({@link #NAME}), a dot, one of {@link #PROPERTY_KEYS}. */
    public static final String PROPERTY_PREFIX = "ftval.calibration.";
    /** A calibration's name in those properties. */
    public static final String NAME = "[a-z0-9][a-z0-9-]*";
    /** The base's digest, and the rule, threshold and image count recommended for it. */
    public static final List<String> PROPERTY_KEYS = List.of("base-sha256", "rule", "threshold", "images");

    /** The threshold between two statistics that separate: their middle. */
    static Recommendation between(Rule rule, int images, double worstHonest, double bestDishonest) {
        return new Recommendation(rule, (worstHonest + bestDishonest) / 2, images, worstHonest, bestDishonest);
    }

    /** How far the threshold is from the worst honest statistic, and from the best dishonest one. */
    public double margin() {
        return Math.min(threshold - worstHonest, bestDishonest - threshold);
    }
}
