package io.ftvalidator.decision;

import java.util.ArrayList;
import java.util.List;

/**
 * The group verdict of a "same model" graph, and the clique searches behind it, shared by
 * {@link Decider} (one graph) and {@link EarlyVerdict} (every graph the remaining images could
 * give). Vertices are the rendered submissions, at most {@link Decider#MAX_SUBMISSIONS}: vertex
 * {@code i} is bit {@code i} of a mask, and {@code same[i]} is the mask of the vertices that are
 * the same model as {@code i}.
 */
final class Groups {

    /**
     * A group verdict: AGREED, OUTLIER with its agreeing group, or NO_CONSENSUS; {@code largest}
     * lists every largest group of mutually-same submissions, in mask order.
     */
    record Outcome(Verdict verdict, int group, List<Integer> largest) {

        /** Whether two outcomes name the same verdict, agreeing group and outliers. */
        boolean sameAs(Outcome other) {
            return verdict == other.verdict && (verdict != Verdict.OUTLIER || group == other.group);
        }
    }

    private Groups() {}

    /**
     * The verdict over {@code total} submissions of which {@code rendered} (vertices 0..rendered-1)
     * could be compared; the others failed. At least two are rendered.
     */
    static Outcome outcome(int total, int rendered, int[] same) {
        List<Integer> largest = largest(all(rendered), same);
        int group = largest.get(0);
        int size = Integer.bitCount(group);
        if (size == total) {
            return new Outcome(Verdict.AGREED, group, largest);
        }
        if (2 * size <= total || largest.size() > 1) {
            return new Outcome(Verdict.NO_CONSENSUS, 0, largest);
        }
        return new Outcome(Verdict.OUTLIER, group, largest);
    }

    /** The mask of vertices 0..count-1. */
    static int all(int count) {
        return (1 << count) - 1;
    }

    static boolean isClique(int mask, int[] same) {
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            int v = Integer.numberOfTrailingZeros(rest);
            if ((mask & ~same[v] & ~(1 << v)) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Every largest clique among the vertices of {@code within}, in increasing mask order (a single vertex is a clique). */
    static List<Integer> largest(int within, int[] same) {
        List<Integer> best = new ArrayList<>();
        int bestSize = 0;
        for (int mask = within; mask != 0; mask = (mask - 1) & within) {
            int size = Integer.bitCount(mask);
            if (size < bestSize || !isClique(mask, same)) {
                continue;
            }
            if (size > bestSize) {
                best.clear();
                bestSize = size;
            }
            best.add(mask);
        }
        best.sort(Integer::compare);
        return best;
    }

    /** The size of the largest clique among the vertices of {@code candidates}. */
    static int maxCliqueSize(int candidates, int[] same) {
        return maxCliqueSize(candidates, same, 0);
    }

    private static int maxCliqueSize(int candidates, int[] same, int atLeast) {
        if (Integer.bitCount(candidates) <= atLeast) {
            return 0; // cannot beat what is known
        }
        int v = Integer.numberOfTrailingZeros(candidates);
        int rest = candidates & ~(1 << v);
        int with = 1 + maxCliqueSize(rest & same[v], same, Math.max(0, atLeast - 1));
        int without = maxCliqueSize(rest, same, Math.max(atLeast, with));
        return Math.max(with, without);
    }
}
