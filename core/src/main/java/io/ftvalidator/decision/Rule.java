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
     * The threshold used when a request names none, per rule (docs/thresholds.md, docs/accuracy.md).
     * On the fixture family whose replicas drift only by kernels and reduction order, honest pairs
     * stayed within 2 bits per image (mean at most 0.75 over 8 images) on 6 seeds; the closest
     * dishonest kinds measured (the fine-tune merged at 90 %, one layer's LoRA replaced) came to a
     * mean of 5.5 and a largest distance of 8 over 8 images. Mean T = 3 and every-image T = 5 sit
     * in the middle at the default 8 images (margins 2.25 / 2.5 and 3 / 3); with 4 images the
     * dishonest margin shrinks to 0.5 (mean) and the every-image rule can accept them (a window
     * whose largest distance was 4). Recipes whose honest replicas drift further (the second
     * fixture family) need their own threshold: ./ftval calibrate measures it, and the coordinator
     * takes it per base model.
     */
    public double defaultThreshold() {
        return switch (this) {
            case MEAN -> 3.0;
            case EVERY_IMAGE -> 5.0;
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
