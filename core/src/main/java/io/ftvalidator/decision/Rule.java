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
     * The threshold used when a request names none, per rule (docs/thresholds.md). On the fixture
     * families whose replicas drift only by kernels and reduction order, honest pairs stayed within
     * 2 bits per image (mean at most 1.0 over 4 images) at every K from 4 to 32, while the closest
     * dishonest submissions reported (another training seed, resampled data, the LoRA at half
     * strength) averaged 8.75 to 9.25 bits over 8 images and reached 16 to 22 on one image: mean
     * T = 5 and every-image T = 8 leave a margin of 3 or more on each side, at every K. Recipes whose
     * honest replicas drift further (the second fixture family: 7 to 9 bits on average) need their
     * own threshold: measure it with tools/calibrate.sh and pass it with the request.
     */
    public double defaultThreshold() {
        return switch (this) {
            case MEAN -> 5.0;
            case EVERY_IMAGE -> 8.0;
        };
    }

    public static Rule parse(String text) {
        String wanted = text.toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(r -> r.id.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown rule '" + text + "': use mean or every-image"));
    }

    /** Whether a pair with these per-image distances is the same model under this rule and threshold. */
    public boolean same(int[] distances, double threshold) {
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
