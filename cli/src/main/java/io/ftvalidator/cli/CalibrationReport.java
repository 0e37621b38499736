package io.ftvalidator.cli;

import io.ftvalidator.calibration.EarlySavings;
import io.ftvalidator.calibration.Recommendation;
import io.ftvalidator.calibration.Run;
import io.ftvalidator.calibration.Study;
import io.ftvalidator.calibration.Truth;
import io.ftvalidator.decision.Rule;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.validation.Defaults;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What {@code ./ftval calibrate} prints: the study's tables as text, or all of it as JSON with the
 * runs it was made from (in {@code compare --json}'s shape per run, so that the runs can be read
 * again: {@code calibrate --runs}, tools/thresholds.py).
 */
final class CalibrationReport {

    record SubmissionJson(String id, String truth, List<String> hashes) {}

    record RunJson(String name, String seed, int images, List<SubmissionJson> submissions) {}

    record RatesJson(double threshold, int falseRejects, int honestWindows, Double falseRejectRate, Double falseRejectUpper,
            int falseAccepts, int dishonestWindows, Double falseAcceptRate, Double falseAcceptUpper) {}

    record AtKJson(int images, double worstHonest, Double worstStress, double bestDishonest, boolean separates,
            Map<String, Double> closest, List<RatesJson> rates) {}

    record RecommendationJson(String rule, double threshold, int images, double worstHonest, double bestDishonest, double margin) {}

    record RuleJson(String rule, List<AtKJson> byK, RecommendationJson recommendation) {}

    record Json(List<RunJson> runs, int images, Map<String, Integer> pairs, Map<String, Study.PerImage> perImage, double minMargin,
            List<RuleJson> rules, RecommendationJson recommendation, Map<String, String> configuration) {}

    private CalibrationReport() {}

    static Json json(List<Run> runs, Function<String, Optional<Truth>> truth, Study.Report r, Map<String, String> configuration) {
        List<RunJson> runJson = runs.stream().map(run -> new RunJson(run.name(), run.seed(),
                run.hashes().values().stream().mapToInt(h -> h.length).min().orElse(0),
                run.hashes().entrySet().stream().map(e -> new SubmissionJson(e.getKey(), truth.apply(e.getKey()).map(Truth::id).orElse(null),
                        Arrays.stream(e.getValue()).mapToObj(PerceptualHash::toHex).toList())).toList())).toList();
        Map<String, Integer> pairs = new LinkedHashMap<>();
        pairs.put("honest", r.honestPairs());
        pairs.put("stress", r.stressPairs());
        pairs.put("dishonest", r.dishonestPairs());
        Map<String, Study.PerImage> perImage = new LinkedHashMap<>();
        r.perImage().forEach((t, p) -> perImage.put(t.id(), p));
        List<RuleJson> rules = r.rules().stream().map(f -> new RuleJson(f.rule().id(), f.byK().stream().map(k -> new AtKJson(k.images(),
                k.worstHonest(), nan(k.worstStress()), k.bestDishonest(), k.separates(), k.closest(), k.rates().stream()
                        .map(x -> new RatesJson(x.threshold(), x.falseRejects(), x.honestWindows(), nan(x.falseRejectRate()), nan(x.falseRejectUpper()),
                                x.falseAccepts(), x.dishonestWindows(), nan(x.falseAcceptRate()), nan(x.falseAcceptUpper()))).toList()))
                .toList(), f.recommendation().map(CalibrationReport::json).orElse(null))).toList();
        return new Json(runJson, r.images(), pairs, perImage, r.minMargin(), rules, r.recommendation().map(CalibrationReport::json).orElse(null),
                configuration);
    }

    private static RecommendationJson json(Recommendation r) {
        return new RecommendationJson(r.rule().id(), r.threshold(), r.images(), r.worstHonest(), r.bestDishonest(), r.margin());
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /**
     * The coordinator's configuration for a recommendation (docs/thresholds.md): what
     * {@code ftval.calibration.<name>.*} should hold; empty without a recommendation.
     */
    static Map<String, String> configuration(String name, String baseSha256, Optional<Recommendation> recommendation) {
        Map<String, String> out = new LinkedHashMap<>();
        recommendation.ifPresent(r -> {
            // in the order of Recommendation.PROPERTY_KEYS, which the coordinator's Calibrations reads
            List<String> values = List.of(baseSha256, r.rule().id(), number(r.threshold()), Integer.toString(r.images()));
            for (int i = 0; i < values.size(); i++) {
                out.put(Recommendation.PROPERTY_PREFIX + name + "." + Recommendation.PROPERTY_KEYS.get(i), values.get(i));
            }
        });
        return out;
    }

    /**
     * What early verdicts save at the recommended rule, T and K (else the default rule and T at
     * the default K), on these runs, and whether any verdict changed.
     */
    static void printEarly(PrintWriter out, List<Run> runs, Function<String, Optional<Truth>> truth, Study.Report r) {
        Rule rule = r.recommendation().map(Recommendation::rule).orElse(Defaults.RULE);
        double threshold = r.recommendation().map(Recommendation::threshold).orElse(rule.defaultThreshold());
        int images = r.recommendation().map(Recommendation::images).orElse(Defaults.IMAGES);
        out.println();
        out.printf("early verdicts at rule %s, T = %s, K = %d (a validation stops once no remaining image can change its verdict):%n",
                rule.id(), number(threshold), images);
        out.printf("  %-28s  %11s  %13s  %8s%n", "validation", "validations", "renders saved", "changed");
        for (EarlySavings.Kind k : EarlySavings.measure(runs, truth, rule, threshold, images)) {
            out.printf(Locale.ROOT, "  %-28s  %11d  %12.1f%%  %8d%n", k.name(), k.validations(), 100 * k.saved(), k.changed());
        }
    }

    static void print(PrintWriter out, List<Run> runs, Study.Report r, Map<String, String> configuration) {
        out.printf("%d runs (seeds %s), %d images each; %d honest, %d stress, %d dishonest pairs%n", runs.size(),
                String.join(", ", runs.stream().map(Run::seed).toList()), r.images(), r.honestPairs(), r.stressPairs(), r.dishonestPairs());
        r.perImage().forEach((t, p) -> out.printf("  %-9s per image: min %d, median %d, 99th percentile %d, max %d; %.1f%% at 0%n",
                t.id(), p.min(), p.median(), p.p99(), p.max(), 100 * p.shareAtZero()));
        for (Study.ForRule f : r.rules()) {
            out.println();
            String stat = f.rule() == Rule.MEAN ? "mean" : "largest distance";
            out.printf("%s rule (same iff the %s of K images < T): over every window of K images%n", f.rule().id(), stat);
            out.printf("  %4s  %12s  %12s  %15s  %s%n", "K", "worst honest", "worst stress", "best dishonest", "separating T");
            for (Study.AtK k : f.byK()) {
                out.printf("  %4d  %12s  %12s  %15s  %s%n", k.images(), number(k.worstHonest()),
                        Double.isNaN(k.worstStress()) ? "-" : number(k.worstStress()), number(k.bestDishonest()),
                        k.separates() ? "(" + number(k.worstHonest()) + ", " + number(k.bestDishonest()) + "]" : "none");
            }
            printRates(out, f);
        }
        out.println();
        printRecommendation(out, r, configuration);
    }

    /** False reject / false accept per T and K, over disjoint windows; a 0 with its 95 % upper bound. */
    private static void printRates(PrintWriter out, Study.ForRule f) {
        List<Study.AtK> byK = f.byK();
        double highest = byK.stream().mapToDouble(Study.AtK::bestDishonest).max().orElse(0);
        double shown = Math.min(64, Math.ceil(highest) + 1);
        out.printf("  false reject (honest windows called different) / false accept (dishonest called the same), disjoint windows;%n"
                + "  0 of n shown with the upper end of its 95%% interval:%n");
        StringBuilder head = new StringBuilder(String.format("  %6s", "T"));
        StringBuilder counts = new StringBuilder(String.format("  %6s", "n"));
        for (Study.AtK k : byK) {
            head.append(String.format("  %-25s", "K=" + k.images()));
            Study.Rates any = k.rates().get(0);
            counts.append(String.format("  %-25s", any.honestWindows() + " / " + any.dishonestWindows()));
        }
        out.println(head);
        out.println(counts);
        List<Double> thresholds = byK.get(0).rates().stream().map(Study.Rates::threshold)
                .filter(t -> t <= shown || t == f.rule().defaultThreshold()).toList();
        List<String> cells = new ArrayList<>();
        List<String> marks = new ArrayList<>();
        for (int i = 0; i < thresholds.size(); i++) {
            double t = thresholds.get(i);
            StringBuilder row = new StringBuilder();
            for (Study.AtK k : byK) {
                Study.Rates x = k.rates().get(i);
                row.append(String.format("  %-25s", rate(x.falseRejects(), x.honestWindows(), x.falseRejectUpper()) + " / "
                        + rate(x.falseAccepts(), x.dishonestWindows(), x.falseAcceptUpper())));
            }
            cells.add(row.toString());
            marks.add(f.recommendation().filter(rec -> rec.threshold() == t).map(rec -> "  recommended at K=" + rec.images()).orElse("")
                    + (t == f.rule().defaultThreshold() ? "  the rule's default" : ""));
        }
        // a run of rows with the same rates shows its first and last rows only
        boolean skipped = false;
        for (int i = 0; i < cells.size(); i++) {
            boolean inside = i > 0 && i < cells.size() - 1 && cells.get(i).equals(cells.get(i - 1)) && cells.get(i).equals(cells.get(i + 1));
            if (inside && marks.get(i).isEmpty()) {
                if (!skipped) {
                    out.printf("  %6s%n", "...");
                }
                skipped = true;
                continue;
            }
            skipped = false;
            out.println(String.format("  %6s", number(thresholds.get(i))) + cells.get(i) + marks.get(i));
        }
    }

    private static String rate(int x, int n, double upper) {
        if (n == 0) {
            return "-";
        }
        return x == 0 ? String.format(Locale.ROOT, "0 (<%.3f)", upper) : String.format(Locale.ROOT, "%.3f", (double) x / n);
    }

    private static void printRecommendation(PrintWriter out, Study.Report r, Map<String, String> configuration) {
        List<String> perRule = new ArrayList<>();
        for (Study.ForRule f : r.rules()) {
            perRule.add(f.rule().id() + ": " + f.recommendation().map(CalibrationReport::describe)
                    .orElse("no K separates with a margin of " + number(r.minMargin())));
        }
        if (r.recommendation().isEmpty()) {
            out.printf("no recommendation: no K of those studied leaves a margin of %s on both sides under either rule (%s).%n"
                    + "Render more images per submission, or check that the honest replicas are replicas of one job.%n",
                    number(r.minMargin()), String.join("; ", perRule));
            return;
        }
        Recommendation best = r.recommendation().get();
        out.printf("recommended: rule %s, threshold %s, %d images (margin %s on each side; minimum asked %s)%n",
                best.rule().id(), number(best.threshold()), best.images(), number(best.margin()), number(r.minMargin()));
        out.printf("  per rule: %s%n", String.join("; ", perRule));
        if (!configuration.isEmpty()) {
            out.println("coordinator configuration (docs/thresholds.md):");
            configuration.forEach((k, v) -> out.printf("  %s=%s%n", k, v));
        }
    }

    private static String describe(Recommendation r) {
        return "T = " + number(r.threshold()) + " at K = " + r.images() + " (worst honest " + number(r.worstHonest())
                + ", best dishonest " + number(r.bestDishonest()) + ")";
    }

    /** A statistic or threshold: as an integer when it is one, else with what its digits need (at most 4). */
    static String number(double v) {
        if (v == Math.rint(v)) {
            return Long.toString((long) v);
        }
        return new java.math.BigDecimal(v).setScale(4, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }
}
