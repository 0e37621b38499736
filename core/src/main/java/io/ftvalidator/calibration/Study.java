package io.ftvalidator.calibration;

import io.ftvalidator.decision.PairScore;
import io.ftvalidator.decision.Rule;
import io.ftvalidator.validation.Defaults;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The threshold study: from calibration runs (every submission rendered under a few seeds, with
 * known truth) to, per rule and per K (images per validation), the worst honest and the best
 * dishonest statistic, the false-reject and false-accept rates of every threshold, and the
 * recommended rule, threshold and K. One implementation for {@code ./ftval calibrate} and the
 * thresholds the coordinator is configured with.
 *
 * <p>The statistic of a window of K images is its mean distance (mean rule) or its largest one
 * (every-image rule); a pair is the same model when it is strictly below T. Extremes are taken over
 * every window of K consecutive images of every pair (each window is an image set a K-image
 * validation could draw); rates are counted on disjoint windows, so that each counts once:
 * false reject = honest windows called different, false accept = dishonest windows called the
 * same, each with the upper end of its exact 95 % confidence interval ({@link ClopperPearson}).
 * Stress pairs are reported, never used to choose.
 */
public final class Study {

    /** Per-image distances of one kind of pair. */
    public record PerImage(int count, int min, int median, int p99, int max, double shareAtZero) {}

    /** Errors of one threshold over disjoint windows of K images. */
    public record Rates(double threshold, int falseRejects, int honestWindows, int falseAccepts, int dishonestWindows) {

        public double falseRejectRate() {
            return honestWindows == 0 ? Double.NaN : (double) falseRejects / honestWindows;
        }

        public double falseAcceptRate() {
            return dishonestWindows == 0 ? Double.NaN : (double) falseAccepts / dishonestWindows;
        }

        /** The upper end of the false-reject rate's 95 % interval. */
        public double falseRejectUpper() {
            return ClopperPearson.upper95(falseRejects, honestWindows);
        }

        public double falseAcceptUpper() {
            return ClopperPearson.upper95(falseAccepts, dishonestWindows);
        }
    }

    /**
     * One rule at one K: the worst honest, worst stress (NaN without stress pairs) and best dishonest
     * window statistic, the closest window of each dishonest submission, and the rates.
     */
    public record AtK(int images, double worstHonest, double worstStress, double bestDishonest, Map<String, Double> closest,
            List<Rates> rates) {

        /** Whether some threshold calls every honest window the same and every dishonest one different: (worstHonest, bestDishonest]. */
        public boolean separates() {
            return worstHonest < bestDishonest;
        }
    }

    /** One rule: its figures per K, and its recommendation (the smallest K that separates with the margin asked). */
    public record ForRule(Rule rule, List<AtK> byK, Optional<Recommendation> recommendation) {}

    /** The whole study; {@code recommendation} is the rule whose K is smallest (the default rule on a tie). */
    public record Report(int images, int honestPairs, int stressPairs, int dishonestPairs, Map<Truth, PerImage> perImage,
            double minMargin, List<ForRule> rules, Optional<Recommendation> recommendation) {}

    private Study() {}

    /**
     * The labelled pairs of each run (pairs inside a run only: one device renders every submission
     * of an image), each submission's truth by {@code truth} (a {@link Truth.Naming}, or a manifest). Two dishonest or two stress submissions make no pair: no truth says what they should be.
     */
    public static List<LabelledPair> pairs(List<Run> runs, Function<String, Optional<Truth>> truth) {
        List<LabelledPair> out = new ArrayList<>();
        for (Run run : runs) {
            List<String> ids = run.submissions().stream().sorted().toList();
            for (int i = 0; i < ids.size(); i++) {
                for (int j = i + 1; j < ids.size(); j++) {
                    String a = ids.get(i);
                    String b = ids.get(j);
                    Optional<Truth> ta = truth.apply(a);
                    Optional<Truth> tb = truth.apply(b);
                    if (ta.isEmpty() || tb.isEmpty() || (ta.get() != Truth.HONEST && tb.get() != Truth.HONEST)) {
                        continue;
                    }
                    Truth kind = ta.get() == Truth.HONEST ? tb.get() : ta.get();
                    String other = kind == Truth.HONEST ? null : ta.get() == Truth.HONEST ? b : a;
                    out.add(new LabelledPair(kind, a, b, other, run.name(), distances(run.hashes().get(a), run.hashes().get(b))));
                }
            }
        }
        return out;
    }

    private static int[] distances(long[] a, long[] b) {
        int[] d = new int[Math.min(a.length, b.length)];
        for (int i = 0; i < d.length; i++) {
            d[i] = PairScore.hamming(a[i], b[i]);
        }
        return d;
    }

    /**
     * The study over {@code ks} (images per validation; those above the images the pairs have are
     * left out), recommending per rule the smallest K whose worst honest and best dishonest
     * statistics leave at least {@code minMargin} on each side of their middle.
     */
    public static Report analyse(List<LabelledPair> pairs, List<Integer> ks, double minMargin) {
        if (pairs.stream().noneMatch(p -> p.kind() == Truth.HONEST)) {
            throw new IllegalArgumentException("no honest pair: give two or more honest replicas (named honest-*)");
        }
        if (pairs.stream().noneMatch(p -> p.kind() == Truth.DISHONEST)) {
            throw new IllegalArgumentException("no dishonest pair: give one or more dishonest submissions (named dishonest-*) beside the honest ones");
        }
        if (!(minMargin >= 0)) {
            throw new IllegalArgumentException("the minimum margin must be 0 or more, got " + minMargin);
        }
        int images = pairs.stream().mapToInt(LabelledPair::images).min().orElseThrow();
        Map<Truth, List<LabelledPair>> byKind = new EnumMap<>(Truth.class);
        for (Truth t : Truth.values()) {
            byKind.put(t, pairs.stream().filter(p -> p.kind() == t).toList());
        }
        Map<Truth, PerImage> perImage = new EnumMap<>(Truth.class);
        byKind.forEach((t, ps) -> {
            if (!ps.isEmpty()) {
                perImage.put(t, perImage(ps, images));
            }
        });
        List<Integer> usable = new TreeSet<>(ks).stream().filter(k -> k >= 1 && k <= images).toList();
        if (usable.isEmpty()) {
            throw new IllegalArgumentException("no K of " + ks + " fits the " + images + " images rendered per submission");
        }
        List<ForRule> rules = new ArrayList<>();
        for (Rule rule : Rule.values()) {
            rules.add(forRule(rule, byKind, usable, images, minMargin));
        }
        Optional<Recommendation> best = Optional.empty();
        for (Rule rule : preference()) {
            Optional<Recommendation> r = rules.stream().filter(f -> f.rule() == rule).findFirst().orElseThrow().recommendation();
            if (r.isPresent() && (best.isEmpty() || r.get().images() < best.get().images())) {
                best = r;
            }
        }
        return new Report(images, byKind.get(Truth.HONEST).size(), byKind.get(Truth.STRESS).size(), byKind.get(Truth.DISHONEST).size(),
                perImage, minMargin, rules, best);
    }

    /** The default rule first: it wins a tie. */
    private static List<Rule> preference() {
        List<Rule> out = new ArrayList<>(List.of(Defaults.RULE));
        Arrays.stream(Rule.values()).filter(r -> r != Defaults.RULE).forEach(out::add);
        return out;
    }

    private static ForRule forRule(Rule rule, Map<Truth, List<LabelledPair>> byKind, List<Integer> ks, int images, double minMargin) {
        List<double[]> extremes = new ArrayList<>();
        Optional<Recommendation> recommendation = Optional.empty();
        for (int k : ks) {
            double worstHonest = extreme(rule, byKind.get(Truth.HONEST), k, images, true);
            double bestDishonest = extreme(rule, byKind.get(Truth.DISHONEST), k, images, false);
            extremes.add(new double[] {worstHonest, bestDishonest});
            if (recommendation.isEmpty() && worstHonest < bestDishonest && (bestDishonest - worstHonest) / 2 >= minMargin) {
                recommendation = Optional.of(Recommendation.between(rule, k, worstHonest, bestDishonest));
            }
        }
        TreeSet<Double> thresholds = new TreeSet<>();
        for (int t = 1; t <= 64; t++) {
            thresholds.add((double) t);
        }
        thresholds.add(rule.defaultThreshold());
        recommendation.ifPresent(r -> thresholds.add(r.threshold()));
        List<AtK> byK = new ArrayList<>();
        for (int i = 0; i < ks.size(); i++) {
            int k = ks.get(i);
            List<Rates> rates = new ArrayList<>();
            for (double t : thresholds) {
                rates.add(rates(rule, t, byKind, k, images));
            }
            byK.add(new AtK(k, extremes.get(i)[0], extreme(rule, byKind.get(Truth.STRESS), k, images, true), extremes.get(i)[1],
                    closest(rule, byKind.get(Truth.DISHONEST), k, images), rates));
        }
        return new ForRule(rule, byK, recommendation);
    }

    /** The window statistic of images [from, from + k) of a pair. */
    static double statistic(Rule rule, LabelledPair p, int from, int k) {
        long sum = 0;
        int max = 0;
        for (int i = from; i < from + k; i++) {
            sum += p.distance(i);
            max = Math.max(max, p.distance(i));
        }
        return switch (rule) {
            case MEAN -> (double) sum / k; // the full rule's arithmetic
            case EVERY_IMAGE -> max;
        };
    }

    /** The largest (or smallest) statistic over every window of k consecutive images; NaN without pairs. */
    private static double extreme(Rule rule, List<LabelledPair> pairs, int k, int images, boolean largest) {
        double out = Double.NaN;
        for (LabelledPair p : pairs) {
            for (int from = 0; from + k <= images; from++) {
                double s = statistic(rule, p, from, k);
                if (Double.isNaN(out) || (largest ? s > out : s < out)) {
                    out = s;
                }
            }
        }
        return out;
    }

    /** Each dishonest submission's smallest window statistic. */
    private static Map<String, Double> closest(Rule rule, List<LabelledPair> pairs, int k, int images) {
        Map<String, Double> out = new TreeMap<>();
        for (LabelledPair p : pairs) {
            double s = extreme(rule, List.of(p), k, images, false);
            out.merge(p.other(), s, Math::min);
        }
        return out;
    }

    private static Rates rates(Rule rule, double threshold, Map<Truth, List<LabelledPair>> byKind, int k, int images) {
        int honest = 0;
        int rejects = 0;
        for (LabelledPair p : byKind.get(Truth.HONEST)) {
            for (int from = 0; from + k <= images; from += k, honest++) {
                rejects += statistic(rule, p, from, k) >= threshold ? 1 : 0;
            }
        }
        int dishonest = 0;
        int accepts = 0;
        for (LabelledPair p : byKind.get(Truth.DISHONEST)) {
            for (int from = 0; from + k <= images; from += k, dishonest++) {
                accepts += statistic(rule, p, from, k) < threshold ? 1 : 0;
            }
        }
        return new Rates(threshold, rejects, honest, accepts, dishonest);
    }

    private static PerImage perImage(List<LabelledPair> pairs, int images) {
        int[] all = pairs.stream().flatMapToInt(p -> Arrays.stream(p.distances(), 0, images)).sorted().toArray();
        long zeros = Arrays.stream(all).filter(d -> d == 0).count();
        return new PerImage(all.length, all[0], all[all.length / 2], all[Math.min(all.length - 1, (int) (0.99 * all.length))],
                all[all.length - 1], (double) zeros / all.length);
    }
}
