package io.ftvalidator.calibration;

import io.ftvalidator.decision.Decider;
import io.ftvalidator.decision.Decision;
import io.ftvalidator.decision.EarlyVerdict;
import io.ftvalidator.decision.Rule;
import io.ftvalidator.decision.Submission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What early verdicts ({@link EarlyVerdict}) save on calibration runs, and a check that they never
 * change a verdict. Validations are formed inside each run as a network forms them: a pair (an
 * honest replica with another honest one, or with a dishonest submission) and a group of three
 * (two honest replicas with a third honest one, or with a dishonest one); each is judged on every
 * disjoint window of K images, its images coming in in order, and stops at the first image after
 * which the verdict is final. Stress replicas are left out (no truth says what they should be).
 */
public final class EarlySavings {

    /**
     * One kind of validation: how many were judged, the images they had and the images they used,
     * and how many early verdicts differed from the full one (verdict, agreeing group or outliers).
     */
    public record Kind(String name, int validations, long images, long used, int changed) {

        /** The share of renders saved, 0 to 1. */
        public double saved() {
            return images == 0 ? 0 : 1 - (double) used / images;
        }
    }

    private EarlySavings() {}

    /** The kinds of validation, in a fixed order, with what early verdicts save on each. */
    public static List<Kind> measure(List<Run> runs, Function<String, Optional<Truth>> truth, Rule rule, double threshold, int images) {
        Map<String, long[]> tally = new LinkedHashMap<>(); // name -> validations, images, used, changed
        for (String name : List.of("pair: honest + honest", "pair: honest + dishonest", "three: 3 honest", "three: 2 honest + dishonest")) {
            tally.put(name, new long[4]);
        }
        for (Run run : runs) {
            List<String> honest = new ArrayList<>();
            List<String> dishonest = new ArrayList<>();
            for (String id : run.submissions().stream().sorted().toList()) {
                truth.apply(id).ifPresent(t -> {
                    if (t == Truth.HONEST) {
                        honest.add(id);
                    } else if (t == Truth.DISHONEST) {
                        dishonest.add(id);
                    }
                });
            }
            int length = run.hashes().values().stream().mapToInt(h -> h.length).min().orElse(0);
            for (int start = 0; start + images <= length; start += images) {
                for (int i = 0; i < honest.size(); i++) {
                    for (int j = i + 1; j < honest.size(); j++) {
                        judge(tally.get("pair: honest + honest"), run, List.of(honest.get(i), honest.get(j)), start, images, rule, threshold);
                        for (int k = j + 1; k < honest.size(); k++) {
                            judge(tally.get("three: 3 honest"), run, List.of(honest.get(i), honest.get(j), honest.get(k)), start, images,
                                    rule, threshold);
                        }
                        for (String d : dishonest) {
                            judge(tally.get("three: 2 honest + dishonest"), run, List.of(honest.get(i), honest.get(j), d), start, images,
                                    rule, threshold);
                        }
                    }
                    for (String d : dishonest) {
                        judge(tally.get("pair: honest + dishonest"), run, List.of(honest.get(i), d), start, images, rule, threshold);
                    }
                }
            }
        }
        List<Kind> out = new ArrayList<>();
        tally.forEach((name, t) -> out.add(new Kind(name, (int) t[0], t[1], t[2], (int) t[3])));
        return out;
    }

    /** One validation of the window [start, start + images): the images it used, and whether its early verdict is the full one. */
    private static void judge(long[] tally, Run run, List<String> ids, int start, int images, Rule rule, double threshold) {
        int used = images;
        for (int k = 1; k < images; k++) {
            if (EarlyVerdict.isFinal(window(run, ids, start, k), images, rule, threshold)) {
                used = k;
                break;
            }
        }
        Decision full = Decider.decide(window(run, ids, start, images), rule, threshold);
        Decision early = Decider.decide(window(run, ids, start, used), rule, threshold);
        tally[0]++;
        tally[1] += images;
        tally[2] += used;
        if (full.verdict() != early.verdict() || !full.agreeing().equals(early.agreeing()) || !full.outliers().equals(early.outliers())) {
            tally[3]++;
        }
    }

    private static List<Submission> window(Run run, List<String> ids, int start, int count) {
        List<Submission> out = new ArrayList<>();
        for (String id : ids) {
            out.add(new Submission.Rendered(id, Arrays.copyOfRange(run.hashes().get(id), start, start + count)));
        }
        return out;
    }
}
