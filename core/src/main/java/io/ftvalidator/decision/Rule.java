package io.ftvalidator.decision;

import java.util.Arrays;
import java.util.Locale;

/** How the per-image distances of a pair of submissions become "same model" or not. */
public enum Rule {
    /**
     * The mean per-image Hamming distance is strictly below the threshold: the rule the reference
     * network documents, and our default (one unlucky image does not decide).
     */
    MEAN("mean"),
    /** Every per-image distance is strictly below the threshold: what the reference network's code does. */
    EVERY_IMAGE("every-image");

    private final String id;

    Rule(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /**
     * The threshold used when a request names none, per rule, measured on the fixture models
     * (docs/thresholds.md): with 4 images the largest honest mean was 7.0 and the smallest
     * dishonest mean 13.0; per image, float32/TF32 replicas stayed within 2 bits and the closest
     * dishonest image was 12 bits away (a bfloat16 replica reached 16 on one image: only the mean
     * rule accepts it). Re-measure with tools/calibrate.sh for other models.
     */
    public double defaultThreshold() {
        return switch (this) {
            case MEAN -> 10.0;
            case EVERY_IMAGE -> 10.0;
        };
    }

    public static Rule parse(String text) {
        String wanted = text.toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(r -> r.id.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown rule '" + text + "': use mean or every-image"));
    }

    boolean same(int[] distances, double threshold) {
        return switch (this) {
            case MEAN -> PairScore.mean(distances) < threshold;
            case EVERY_IMAGE -> Arrays.stream(distances).allMatch(d -> d < threshold);
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
