package io.ftvalidator.decision;

import java.util.Arrays;

/** The comparison of two submissions: per-image Hamming distances and whether the rule calls them the same model. */
public record PairScore(String first, String second, int[] distances, boolean same) {

    public PairScore {
        distances = distances.clone();
    }

    public double mean() {
        return mean(distances);
    }

    public int max() {
        return Arrays.stream(distances).max().orElse(0);
    }

    @Override
    public int[] distances() {
        return distances.clone();
    }

    static double mean(int[] distances) {
        return distances.length == 0 ? Double.NaN : Arrays.stream(distances).average().orElseThrow();
    }

    /** Hamming distance of two 64-bit perceptual hashes. */
    public static int hamming(long a, long b) {
        return Long.bitCount(a ^ b);
    }
}
