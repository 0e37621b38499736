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
        Groups.Outcome outcome = Groups.outcome(n, rendered.size(), sameGraph(rendered.size(), pairs));
        List<String> group = ids(outcome.largest().get(0), rendered);
        return switch (outcome.verdict()) {
            case AGREED -> new Decision(rule, threshold, pairs, Verdict.AGREED, group, List.of(), failed,
                    "all " + n + " submissions are the same model");
            case OUTLIER -> {
                List<String> outliers = submissions.stream().map(Submission::id).filter(id -> !group.contains(id)).toList();
                yield new Decision(rule, threshold, pairs, Verdict.OUTLIER, group, outliers, failed,
                        group.size() + " of " + n + " agree; " + outliers + (outliers.size() == 1 ? " is the outlier" : " are outliers"));
            }
            default -> new Decision(rule, threshold, pairs, Verdict.NO_CONSENSUS, List.of(), List.of(), failed,
                    2 * group.size() > n
                            ? outcome.largest().size() + " different majorities agree, "
                                    + outcome.largest().stream().map(m -> ids(m, rendered)).toList() + ": none can be trusted over the other"
                            : group.size() == 1
                                    ? "no two submissions are the same model"
                                    : "no group of mutually-same submissions holds a majority of " + n + " (largest: " + group.size() + ")");
        };
    }

    /** The "same model" graph of the rendered submissions, from their pairs in {@link #scorePairs} order. */
    static int[] sameGraph(int count, List<PairScore> pairs) {
        int[] same = new int[count];
        int p = 0;
        for (int i = 0; i < count; i++) {
            for (int j = i + 1; j < count; j++, p++) {
                if (pairs.get(p).same()) {
                    same[i] |= 1 << j;
                    same[j] |= 1 << i;
                }
            }
        }
        return same;
    }

    private static List<String> ids(int mask, List<Submission.Rendered> rendered) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < rendered.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                ids.add(rendered.get(i).id());
            }
        }
        return ids;
    }

    static List<PairScore> scorePairs(List<Submission.Rendered> rendered, Rule rule, double threshold) {
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
}
