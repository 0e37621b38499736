package io.ftvalidator.calibration;

/**
 * A pair of calibration submissions whose truth is known, with its per-image distances: HONEST, two
 * honest replicas; STRESS, a stress replica and an honest one; DISHONEST, a dishonest submission and
 * an honest one ({@code other} names the stress or dishonest member, null for an honest pair).
 */
public record LabelledPair(Truth kind, String first, String second, String other, String run, int[] distances) {

    public LabelledPair {
        distances = distances.clone();
    }

    @Override
    public int[] distances() {
        return distances.clone();
    }

    int distance(int image) {
        return distances[image];
    }

    int images() {
        return distances.length;
    }
}
