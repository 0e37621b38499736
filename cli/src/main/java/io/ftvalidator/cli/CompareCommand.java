package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ftvalidator.decision.Decider;
import io.ftvalidator.decision.Decision;
import io.ftvalidator.decision.PairScore;
import io.ftvalidator.decision.Rule;
import io.ftvalidator.decision.Submission;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.RenderAndHash.Images;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.engine.render.RenderedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "compare",
        description = "Renders K images per model under one seed, compares every pair by perceptual hash, and gives the group verdict.")
final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ValidationOptions validation;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Option(names = "--exit-code", description = "exit with the verdict: 0 AGREED, 3 OUTLIER, 4 NO_CONSENSUS or INCONCLUSIVE (1 still means an error)")
    boolean exitCode;

    @Mixin
    ProgressOptions progress;

    @Option(names = "--save-images", description = "also write every render as DIR/<model>/<index>.png")
    Path saveImages;

    @Mixin
    RenderOptions render;

    @Mixin
    EngineOptions engine;

    /** One submission's outcome, as printed. */
    record SubmissionReport(String id, String model, String digest, List<String> hashes, String error, long renderMillis) {}

    record PairReport(String first, String second, double mean, int max, int[] distances, boolean same) {}

    record Report(
            String seed, int images, List<String> prompts, String sampler, int steps, double guidance,
            String algorithm, String rule, double threshold, List<SubmissionReport> submissions,
            List<PairReport> pairs, String verdict, List<String> agreeing, List<String> outliers,
            List<String> failed, String reason) {}

    @Override
    public Integer call() throws IOException {
        Rule r = validation.parsedRule();
        double t = validation.threshold();
        HashAlgorithm hash = HashAlgorithm.fromCliName(validation.algorithm);
        RenderSettings settings = render.settings();
        List<SubmissionArg> submissions = validation.submissions();
        List<String> imagePrompts = validation.imagePrompts();
        Optional<ModelRef> baseRef = validation.baseRef();
        int images = validation.images;
        long seed = validation.seed;

        List<LocalRenders.Outcome> outcomes;
        try (ModelCache cache = engine.openCache();
                Progress bar = progress.start(spec.commandLine().getErr(), json, submissions.size() * images, "images")) {
            outcomes = LocalRenders.run(cache, submissions, baseRef, Images.all(seed, imagePrompts, settings, hash), (id, index, image) -> {
                save(id, index, image);
                bar.step(id);
            });
        }
        List<SubmissionReport> reports = new ArrayList<>();
        for (LocalRenders.Outcome o : outcomes) {
            SubmissionArg s = o.submission();
            if (o.result() instanceof Submission.Rendered rendered) {
                reports.add(new SubmissionReport(s.id(), s.location(), o.digest(),
                        Arrays.stream(rendered.hashes()).mapToObj(PerceptualHash::toHex).toList(), null, o.millis()));
            } else {
                String error = ((Submission.Failed) o.result()).reason();
                spec.commandLine().getErr().println("ftval: " + s.id() + ": " + error);
                reports.add(new SubmissionReport(s.id(), s.location(), null, List.of(), error, o.millis()));
            }
        }
        Decision decision = Decider.decide(outcomes.stream().map(LocalRenders.Outcome::result).toList(), r, t);
        Report report = new Report(Long.toUnsignedString(seed), images, imagePrompts, settings.sampler().id(), settings.steps(),
                settings.guidance(), hash.cliName(), r.id(), t, reports,
                decision.pairs().stream().map(p -> new PairReport(p.first(), p.second(), p.mean(), p.max(), p.distances(), p.same())).toList(),
                decision.verdict().name(), decision.agreeing(), decision.outliers(), decision.failed(), decision.reason());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            printText(out, report, decision);
        }
        if (!decision.failed().isEmpty()) {
            return Ftval.FAILED;
        }
        return exitCode ? Ftval.exitCode(decision.verdict().name()) : 0;
    }

    private void save(String id, int index, RenderedImage image) throws IOException {
        if (saveImages == null) {
            return;
        }
        Path dir = saveImages.resolve(id);
        Files.createDirectories(dir);
        Files.write(dir.resolve(String.format("%03d.png", index)), image.toPng());
    }

    private static void printText(PrintWriter out, Report report, Decision decision) {
        out.printf("seed %s, %d images, %s %d steps, guidance %s, hash %s, rule %s, threshold %s%n",
                report.seed(), report.images(), report.sampler(), report.steps(), report.guidance(), report.algorithm(),
                report.rule(), report.threshold());
        Map<String, SubmissionReport> byId = new LinkedHashMap<>();
        report.submissions().forEach(s -> byId.put(s.id(), s));
        int width = Math.max(8, byId.keySet().stream().mapToInt(String::length).max().orElse(8));
        for (SubmissionReport s : byId.values()) {
            out.printf("  %-" + width + "s  %s%n", s.id(), s.error() == null
                    ? String.join(" ", s.hashes()) + "  (" + s.renderMillis() + " ms)"
                    : "FAILED: " + s.error());
        }
        out.printf("%-" + (2 * width + 3) + "s  %6s  %4s  %-4s  %s%n", "pair", "mean", "max", "same", "per-image distances");
        for (PairScore p : decision.pairs()) {
            out.printf("%-" + (2 * width + 3) + "s  %6.2f  %4d  %-4s  %s%n", p.first() + " ~ " + p.second(), p.mean(), p.max(),
                    p.same() ? "yes" : "no", Arrays.toString(p.distances()).replaceAll("[\\[\\],]", ""));
        }
        out.printf("verdict %s: %s%n", report.verdict(), report.reason());
    }
}
