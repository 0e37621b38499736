package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ftvalidator.calibration.Run;
import io.ftvalidator.calibration.Study;
import io.ftvalidator.calibration.Truth;
import io.ftvalidator.decision.Submission;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.RenderAndHash.Images;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.noise.Prompts;
import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.validation.Limits;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "calibrate",
        description = {"Measures the threshold for your own base model and fine-tuning recipe: renders honest replicas and "
                + "dishonest submissions under several seeds (as compare does, in this process), and prints, per rule, threshold T "
                + "and K images per validation, the false-reject and false-accept rates, the worst honest and best dishonest "
                + "statistic, and the recommended rule, T and K with the coordinator's configuration for them.",
            "Truth comes from the names (honest-*, stress-*, dishonest-*; see --honest) or from a --manifest. "
                + "--runs studies saved runs instead of rendering (compare --json, calibrate --json, tools/calibrate_reference.py)."})
final class CalibrateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--base", description = "the base bundle the LoRA submissions apply to")
    String base;

    @Option(names = "--model", paramLabel = "[NAME=]PATH[#sha256=HEX]",
            description = "a submission, its truth in its name: honest-* (a replica of the job, on some card type), dishonest-*, stress-*")
    List<String> models;

    @Option(names = "--manifest", paramLabel = "FILE",
            description = "submissions with their truth, one per line: 'honest|dishonest|stress [NAME=]PATH' (paths relative to the file; # comments)")
    Path manifest;

    @Option(names = "--runs", paramLabel = "FILE", arity = "1..*",
            description = "study these saved runs instead of rendering (compare --json, calibrate --json, tools/calibrate_reference.py output)")
    List<Path> runs;

    @Option(names = "--seeds", split = ",", defaultValue = "42,7,1001", converter = SeedConverter.class,
            description = "the seeds, one run each (default: ${DEFAULT-VALUE})")
    List<Long> seeds;

    @Option(names = "--images", defaultValue = "32", description = "images per submission and seed (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--k", split = ",", defaultValue = "4,8,16,32", description = "the image counts per validation to study (default: ${DEFAULT-VALUE})")
    List<Integer> ks;

    @Option(names = "--min-margin", defaultValue = "2", description = "the margin the recommended threshold must leave on each side, in bits (default: ${DEFAULT-VALUE})")
    double minMargin;

    @Option(names = "--prompt", description = "prompt(s); image i takes prompt i mod count")
    List<String> prompts;

    @Option(names = "--prompts", paramLabel = "FILE", description = "a prompt pool, one per line; each seed draws its images' prompts from it")
    Path promptPool;

    @Option(names = "--algorithm", description = "goimagehash or imagehash (default: ${DEFAULT-VALUE})")
    String algorithm;

    @Option(names = "--honest", defaultValue = "^honest|^merged", description = "names of honest replicas, a regular expression found in the name (default: ${DEFAULT-VALUE})")
    String honest;

    @Option(names = "--stress", defaultValue = "^stress", description = "names of stress replicas: reported, never used to choose (default: ${DEFAULT-VALUE})")
    String stress;

    @Option(names = "--dishonest", defaultValue = "^dishonest", description = "names of dishonest submissions (default: ${DEFAULT-VALUE})")
    String dishonest;

    @Option(names = "--name", defaultValue = "my-base", description = "the name in the printed configuration, ftval.calibration.NAME.* (default: ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--base-sha256", paramLabel = "HEX", description = "the base's digest for the printed configuration, with --runs (rendering reads it from --base)")
    String baseSha256;

    @Option(names = "--json", description = "print the study as JSON, with its runs")
    boolean json;

    @Mixin
    ProgressOptions progress;

    @Mixin
    RenderOptions render;

    @Mixin
    EngineOptions engine;

    /** One submission to render and what it is. */
    record Entry(SubmissionArg submission, Optional<Truth> truth) {}

    @Override
    public Integer call() throws IOException {
        if (!name.matches(io.ftvalidator.calibration.Recommendation.NAME)) {
            throw new IllegalArgumentException("--name must be lower-case letters, digits and -, got '" + name + "'");
        }
        Truth.Naming naming = Truth.Naming.of(honest, stress, dishonest);
        Map<String, Truth> given = new LinkedHashMap<>();
        List<Run> studied;
        boolean failures = false;
        String digest = baseSha256;
        if (runs != null) {
            if (models != null || manifest != null) {
                throw new IllegalArgumentException("give either --runs (saved runs) or submissions to render (--model, --manifest), not both");
            }
            studied = new ArrayList<>();
            for (Path file : runs) {
                studied.addAll(CalibrationRuns.read(file));
            }
        } else {
            List<Entry> entries = entries(naming);
            entries.forEach(e -> e.truth().ifPresent(t -> given.put(e.submission().id(), t)));
            Rendered rendered = render(entries);
            studied = rendered.runs();
            failures = rendered.failures();
            digest = digest != null ? digest : rendered.baseDigest().orElse(null);
        }
        Function<String, Optional<Truth>> truth = id -> given.containsKey(id) ? Optional.of(given.get(id)) : naming.of(id);
        Study.Report report = Study.analyse(Study.pairs(studied, truth), ks, minMargin);
        Map<String, String> configuration = CalibrationReport.configuration(name,
                digest != null ? digest : "<the base bundle's sha256: ./ftval digest BASE>", report.recommendation());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(CalibrationReport.json(studied, truth, report, configuration)));
        } else {
            CalibrationReport.print(out, studied, report, configuration);
            CalibrationReport.printEarly(out, studied, truth, report);
        }
        return failures ? Ftval.FAILED : 0;
    }

    /** The submissions to render, from --model and --manifest, with their truth. */
    private List<Entry> entries(Truth.Naming naming) throws IOException {
        List<SubmissionArg> args = new ArrayList<>();
        List<Optional<Truth>> truths = new ArrayList<>();
        if (models != null) {
            for (String m : models) {
                SubmissionArg s = SubmissionArg.parse(m);
                args.add(s);
                truths.add(Optional.empty());
            }
        }
        if (manifest != null) {
            for (Entry e : readManifest(manifest)) {
                args.add(e.submission());
                truths.add(e.truth());
            }
        }
        List<SubmissionArg> unique = SubmissionArg.withUniqueIds(args);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < unique.size(); i++) {
            Optional<Truth> t = truths.get(i).isPresent() ? truths.get(i) : naming.of(unique.get(i).id());
            if (t.isEmpty()) {
                spec.commandLine().getErr().println("ftval: " + unique.get(i).id() + " is neither honest, stress nor dishonest by its name; "
                        + "left out (name it honest-*, dishonest-*, stress-*, or list it in a --manifest)");
                continue;
            }
            out.add(new Entry(unique.get(i), t));
        }
        if (out.size() < 2) {
            throw new IllegalArgumentException("give 2 or more submissions whose truth is known (--model honest-*=..., dishonest-*=..., or --manifest)");
        }
        if (images < 1 || images > Limits.MAX_IMAGES) {
            throw new IllegalArgumentException("--images must be in 1.." + Limits.MAX_IMAGES + ", got " + images);
        }
        return out;
    }

    /** Reads a manifest: 'TRUTH [NAME=]PATH' per line, paths relative to its folder. */
    static List<Entry> readManifest(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        Path dir = file.toAbsolutePath().getParent();
        int line = 0;
        for (String raw : Files.readAllLines(file)) {
            line++;
            String text = raw.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] parts = text.split("\\s+", 2);
            if (parts.length < 2) {
                throw new IllegalArgumentException(file + ":" + line + ": expected 'honest|dishonest|stress [NAME=]PATH', got '" + text + "'");
            }
            Truth truth;
            try {
                truth = Truth.parse(parts[0]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + line + ": " + e.getMessage());
            }
            SubmissionArg s = SubmissionArg.parse(parts[1].strip());
            Path location = dir.resolve(s.location());
            out.add(new Entry(new SubmissionArg(s.id(), location.toString(), s.sha256(), s.named()), Optional.of(truth)));
        }
        return out;
    }

    record Rendered(List<Run> runs, boolean failures, Optional<String> baseDigest) {}

    /** One run per seed: every submission's images, rendered here through compare's loop. */
    private Rendered render(List<Entry> entries) throws IOException {
        if ((prompts == null) == (promptPool == null)) {
            throw new IllegalArgumentException("give either --prompt (one or more) or --prompts FILE");
        }
        List<String> pool = promptPool == null ? List.of() : Prompts.read(promptPool);
        if (promptPool != null && pool.isEmpty()) {
            throw new IllegalArgumentException(promptPool + " holds no prompt");
        }
        HashAlgorithm hash = HashAlgorithm.fromCliName(algorithm);
        RenderSettings settings = render.settings();
        Optional<ModelRef> baseRef = Optional.ofNullable(base).map(ModelRef::parse);
        List<SubmissionArg> submissions = entries.stream().map(Entry::submission).toList();
        List<Run> out = new ArrayList<>();
        boolean failures = false;
        Optional<String> digest = Optional.empty();
        try (ModelCache cache = engine.openCache();
                Progress bar = progress.start(spec.commandLine().getErr(), json, seeds.size() * submissions.size() * images, "images")) {
            if (baseRef.isPresent()) {
                digest = Optional.of(LocalRenders.baseDigest(cache, baseRef.get()));
            }
            for (long seed : seeds) {
                List<String> imagePrompts = Prompts.forImages(prompts != null ? prompts : List.of(), pool, seed, images);
                List<LocalRenders.Outcome> outcomes = LocalRenders.run(cache, submissions, baseRef,
                        Images.all(seed, imagePrompts, settings, hash), (id, index, image) -> bar.step(id));
                Map<String, long[]> hashes = new LinkedHashMap<>();
                for (LocalRenders.Outcome o : outcomes) {
                    if (o.result() instanceof Submission.Rendered r) {
                        hashes.put(r.id(), r.hashes());
                    } else {
                        failures = true;
                        spec.commandLine().getErr().println("ftval: seed " + Long.toUnsignedString(seed) + ": " + o.submission().id() + ": "
                                + ((Submission.Failed) o.result()).reason());
                    }
                }
                out.add(new Run("seed " + Long.toUnsignedString(seed), Long.toUnsignedString(seed), hashes));
            }
        }
        return new Rendered(out, failures, digest);
    }
}
