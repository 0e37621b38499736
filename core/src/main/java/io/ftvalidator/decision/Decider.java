package io.ftvalidator.decision;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the image hashes of every submission into a {@link Decision}, generalising the reference
 * network's group-of-three rules:
 *
 * <ul>
 *   <li>all pairs the same model: AGREED;
 *   <li>one largest group of mutually-same submissions holding a strict majority of all
 *       submissions (failed ones count): OUTLIER, everyone outside it is an outlier; with three
 *       submissions, one that differs from two that match, or one that failed while two match;
 *   <li>no strict majority, or two different largest groups (A~B, B~C, A!~C): NO_CONSENSUS. The
 *       reference code blames whoever its comparison order reaches last; we blame nobody;
 *   <li>fewer than two rendered submissions: INCONCLUSIVE.
 * </ul>
 */
public final class Decider {

    /** More submissions than this are refused: the majority search visits every subset. */
    public static final int MAX_SUBMISSIONS = 16;

    private Decider() {}

    public static Decision decide(List<? extends Submission> submissions, Rule rule, double threshold) {
        if (submissions.size() < 2 || submissions.size() > MAX_SUBMISSIONS) {
            throw new IllegalArgumentException("a decision needs 2.." + MAX_SUBMISSIONS + " submissions, got " + submissions.size());
        }
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("the threshold must be a positive number, got " + threshold);
        }
        List<Submission.Rendered> rendered = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Submission s : submissions) {
            if (s instanceof Submission.Rendered r) {
                rendered.add(r);
            } else {
                failed.add(s.id());
            }
        }
        List<PairScore> pairs = scorePairs(rendered, rule, threshold);
        int n = submissions.size();
        if (rendered.size() < 2) {
            return new Decision(rule, threshold, pairs, Verdict.INCONCLUSIVE, List.of(), List.of(), failed,
                    rendered.size() + " of " + n + " submissions rendered; two are needed to compare");
        }
        List<List<String>> largest = largestGroups(rendered, pairs);
        List<String> group = largest.get(0);
        if (group.size() == n) {
            return new Decision(rule, threshold, pairs, Verdict.AGREED, group, List.of(), failed,
                    "all " + n + " submissions are the same model");
        }
        if (2 * group.size() <= n) {
            String why = group.size() == 1
                    ? "no two submissions are the same model"
                    : "no group of mutually-same submissions holds a majority of " + n + " (largest: " + group.size() + ")";
            return new Decision(rule, threshold, pairs, Verdict.NO_CONSENSUS, List.of(), List.of(), failed, why);
        }
        if (largest.size() > 1) {
            return new Decision(rule, threshold, pairs, Verdict.NO_CONSENSUS, List.of(), List.of(), failed,
                    largest.size() + " different majorities agree, " + largest + ": none can be trusted over the other");
        }
        List<String> outliers = submissions.stream().map(Submission::id).filter(id -> !group.contains(id)).toList();
        return new Decision(rule, threshold, pairs, Verdict.OUTLIER, group, outliers, failed,
                group.size() + " of " + n + " agree; " + outliers + (outliers.size() == 1 ? " is the outlier" : " are outliers"));
    }

    private static List<PairScore> scorePairs(List<Submission.Rendered> rendered, Rule rule, double threshold) {
        List<PairScore> pairs = new ArrayList<>();
        for (int i = 0; i < rendered.size(); i++) {
            for (int j = i + 1; j < rendered.size(); j++) {
                long[] a = rendered.get(i).hashes();
                long[] b = rendered.get(j).hashes();
                if (a.length != b.length || a.length == 0) {
                    throw new IllegalArgumentException(rendered.get(i).id() + " has " + a.length + " images, "
                            + rendered.get(j).id() + " has " + b.length + ": a pair needs the same, non-zero count");
                }
                int[] distances = new int[a.length];
                for (int k = 0; k < a.length; k++) {
                    distances[k] = PairScore.hamming(a[k], b[k]);
                }
                pairs.add(new PairScore(rendered.get(i).id(), rendered.get(j).id(), distances, rule.same(distances, threshold)));
            }
        }
        return pairs;
    }

    /** Every largest set of rendered submissions whose pairs are all the same model. */
    private static List<List<String>> largestGroups(List<Submission.Rendered> rendered, List<PairScore> pairs) {
        int n = rendered.size();
        boolean[][] same = new boolean[n][n];
        int p = 0;
        for (int i = 0; i < n; i++) {
            same[i][i] = true;
            for (int j = i + 1; j < n; j++, p++) {
                same[i][j] = same[j][i] = pairs.get(p).same();
            }
        }
        List<List<String>> best = new ArrayList<>();
        int bestSize = 0;
        for (int mask = 1; mask < (1 << n); mask++) {
            int size = Integer.bitCount(mask);
            if (size < bestSize || !isClique(mask, same)) {
                continue;
            }
            if (size > bestSize) {
                best.clear();
                bestSize = size;
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if ((mask & (1 << i)) != 0) {
                    ids.add(rendered.get(i).id());
                }
            }
            best.add(ids);
        }
        return best;
    }

    private static boolean isClique(int mask, boolean[][] same) {
        for (int i = 0; i < same.length; i++) {
            for (int j = i + 1; j < same.length; j++) {
                if ((mask & (1 << i)) != 0 && (mask & (1 << j)) != 0 && !same[i][j]) {
                    return false;
                }
            }
        }
        return true;
    }
}
