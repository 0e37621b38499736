package io.ftvalidator.decision;

import java.util.ArrayList;
import java.util.List;

/**
 * Early verdicts, exact and assumption-free: a validation of K images may stop once its verdict is
 * the one {@link Decider} would give whatever distances the images still to come turn out to have
 * (each anywhere from 0 to {@value #MAX_DISTANCE} bits).
 *
 * <p>A pair is settled when the rule's outcome is: under the mean rule, different once the
 * distances so far already sum to a mean of at least T over all K images, and the same once even
 * {@value #MAX_DISTANCE} bits on every remaining image would keep the mean below T (rare: only
 * near the end, or with a large T); under the every-image rule, different once one image reaches
 * T, and the same only when every image is in. The group verdict is final when it is the same,
 * with the same agreeing group and outliers, for every way the open pairs could come out: not by
 * trying each (a validation may have 120 pairs), but from the two extremes and the groups that
 * could be the majority (see {@link #isFinal}). Open pairs are taken as free of one another, which
 * only ever keeps a validation running longer than needed, never stops it wrongly.
 *
 * <p>A submission that failed on an image it was given is failed for good (a failure is counted
 * however the other images turn out); a rendered one is taken to render the remaining images too,
 * since a submission's own failures (a missing, corrupt or unloadable model) come with loading it,
 * before its first image.
 */
public final class EarlyVerdict {

    /** The largest Hamming distance two 64-bit hashes can have. */
    public static final int MAX_DISTANCE = 64;

    /** Where a pair stands after some of its images. */
    public enum PairState {
        /** The same model whatever the remaining images give. */
        SAME,
        /** Different whatever the remaining images give. */
        DIFFERENT,
        /** Either, depending on the remaining images. */
        OPEN
    }

    private EarlyVerdict() {}

    /**
     * Where a pair stands after the distances {@code seen} of a validation of {@code images}
     * images, under {@code rule} and {@code threshold} (same iff strictly below).
     */
    public static PairState pairState(Rule rule, double threshold, int[] seen, int images) {
        if (seen.length > images) {
            throw new IllegalArgumentException(seen.length + " distances for a validation of " + images + " images");
        }
        int remaining = images - seen.length;
        return switch (rule) {
            case MEAN -> {
                long sum = 0;
                for (int d : seen) {
                    sum += d;
                }
                // the same arithmetic as the full rule's mean: a long sum over the image count
                if ((double) sum / images >= threshold) {
                    yield PairState.DIFFERENT;
                }
                yield (double) (sum + (long) MAX_DISTANCE * remaining) / images < threshold ? PairState.SAME : PairState.OPEN;
            }
            case EVERY_IMAGE -> {
                for (int d : seen) {
                    if (d >= threshold) {
                        yield PairState.DIFFERENT;
                    }
                }
                yield remaining == 0 ? PairState.SAME : PairState.OPEN;
            }
        };
    }

    /**
     * Whether the verdict {@link Decider#decide} gives on the images seen so far (every rendered
     * submission's hashes cover the same images) is the verdict, agreeing group and outliers it
     * would give on all {@code images} images, whatever distances the others have.
     *
     * <p>With {@code lo} the graph of the pairs settled as the same and {@code hi} that graph plus
     * the open pairs, every completion lies between the two: if their verdicts differ, it is not
     * final; if both are AGREED, every pair is settled the same; if both are OUTLIER with group G,
     * G is a clique of {@code lo} and the only clique of its size or larger in {@code hi}, so of
     * every completion: final. If both are NO_CONSENSUS, it is final unless some majority-sized
     * clique C of {@code hi} can be the one largest group: the completion {@code lo} plus C's own
     * pairs is the least that holds C, so C can win exactly when it wins there.
     */
    public static boolean isFinal(List<? extends Submission> seen, int images, Rule rule, double threshold) {
        if (seen.size() < 2 || seen.size() > Decider.MAX_SUBMISSIONS) {
            throw new IllegalArgumentException("a decision needs 2.." + Decider.MAX_SUBMISSIONS + " submissions, got " + seen.size());
        }
        List<Submission.Rendered> rendered = new ArrayList<>();
        for (Submission s : seen) {
            if (s instanceof Submission.Rendered r) {
                rendered.add(r);
            }
        }
        int n = seen.size();
        int r = rendered.size();
        if (r < 2) {
            return true; // INCONCLUSIVE whatever comes: failures are for good
        }
        int[] lo = new int[r];
        int[] hi = new int[r];
        List<PairScore> pairs = Decider.scorePairs(rendered, rule, threshold);
        int p = 0;
        for (int i = 0; i < r; i++) {
            for (int j = i + 1; j < r; j++, p++) {
                PairState state = pairState(rule, threshold, pairs.get(p).distances(), images);
                if (state != PairState.DIFFERENT) {
                    hi[i] |= 1 << j;
                    hi[j] |= 1 << i;
                }
                if (state == PairState.SAME) {
                    lo[i] |= 1 << j;
                    lo[j] |= 1 << i;
                }
            }
        }
        return isFinal(n, r, lo, hi);
    }

    /** {@link #isFinal(List, int, Rule, double)} on the settled graphs: {@code lo} (settled same) and {@code hi} (not settled different). */
    static boolean isFinal(int total, int rendered, int[] lo, int[] hi) {
        Groups.Outcome least = Groups.outcome(total, rendered, lo);
        Groups.Outcome most = Groups.outcome(total, rendered, hi);
        if (!least.sameAs(most)) {
            return false;
        }
        if (least.verdict() != Verdict.NO_CONSENSUS) {
            return true;
        }
        int largest = Integer.bitCount(most.largest().get(0));
        if (2 * largest <= total) {
            return true; // no completion has a majority
        }
        int all = Groups.all(rendered);
        for (int c = all; c != 0; c = (c - 1) & all) {
            int size = Integer.bitCount(c);
            if (2 * size > total && Groups.isClique(c, hi) && canBeTheOnlyLargest(c, lo, rendered)) {
                return false; // some completion names C's outsiders outliers
            }
        }
        return true;
    }

    /** Whether C is the one clique of its size or larger in {@code lo} with C's own pairs added. */
    private static boolean canBeTheOnlyLargest(int c, int[] lo, int rendered) {
        int[] g = lo.clone();
        for (int rest = c; rest != 0; rest &= rest - 1) {
            int v = Integer.numberOfTrailingZeros(rest);
            g[v] |= c & ~(1 << v);
        }
        int size = Integer.bitCount(c);
        // another clique at least as large holds a vertex outside C
        for (int outside = Groups.all(rendered) & ~c; outside != 0; outside &= outside - 1) {
            int v = Integer.numberOfTrailingZeros(outside);
            if (1 + Groups.maxCliqueSize(g[v], g) >= size) {
                return false;
            }
        }
        return true;
    }
}
