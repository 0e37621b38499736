package io.ftvalidator.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.RenderAndHash.ImageListener;
import io.ftvalidator.engine.RenderAndHash.Images;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.engine.render.PromptEncodings;
import io.ftvalidator.engine.render.RenderProfile;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.engine.render.Renderer;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.local.LocalCluster;
import io.ftvalidator.render.RenderSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", description = "Benchmarks that print figures.",
        subcommands = {BenchCommand.Render.class, BenchCommand.Cluster.class, BenchCommand.Fleet.class, WireBench.class})
final class BenchCommand {

    /** Median of a list of timings. */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static void printJson(PrintWriter out, ObjectNode figures) throws IOException {
        out.println(CoordinatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(figures));
        out.flush();
    }

    @Command(name = "render", description = "Render time per image in Java (DJL) against the Python reference renderer, same bundle, machine and threads.")
    static final class Render implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--model", description = "bundle (default: the fixture base)")
        Path model;

        @Option(names = "--runs", defaultValue = "5", description = "timed renders after one warm-up (default: ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "the Python with torch (default: ${DEFAULT-VALUE})")
        String python;

        @Option(names = "--json", description = "print the figures as JSON")
        boolean json;

        @Option(names = "--profile", description = "also print where the time goes: each stage's milliseconds per image (median of the runs),"
                + " Java and Python, the hash, and a LoRA's merge and restore")
        boolean profile;

        @Option(names = "--lora", description = "with --profile: the LoRA whose turns are timed, alternating with the fixture honest-2 (default: the fixture honest-1)")
        Path lora;

        @Mixin
        ProgressOptions progress;

        @Mixin
        RenderOptions render;

        @Mixin
        EngineOptions engine;

        @Override
        public Integer call() throws Exception {
            Path bundle = model != null ? model : Fixtures.base();
            String prompt = Fixtures.prompts().get(0);
            RenderSettings settings = render.settings();
            PrintWriter out = spec.commandLine().getOut();
            List<Double> java = new ArrayList<>();
            List<RenderProfile> javaStages = new ArrayList<>();
            List<Double> hashMs = new ArrayList<>();
            List<Double> mergeMs = new ArrayList<>();
            List<Double> keptMs = new ArrayList<>();
            Map<String, Double> pythonStages = new LinkedHashMap<>();
            int threads;
            double javaMs;
            Double pythonMs = null;
            String pythonDevice;
            try (Progress bar = progress.start(spec.commandLine().getErr(), json, runs + 2 + (profile ? 2 : 0), "steps")) {
                try (ModelCache cache = engine.openCache()) {
                    threads = EngineSetup.threads();
                    Device device = cache.device();
                    pythonDevice = device.isGpu() ? "gpu:" + device.getDeviceId() : "cpu";
                    try (ModelCache.Prepared prepared = cache.prepare(new ModelRef(bundle, Optional.empty()), Optional.empty());
                            LoadedModel.Session session = prepared.open()) {
                        for (int i = 0; i <= runs; i++) {
                            RenderProfile stages = new RenderProfile();
                            long t0 = System.nanoTime();
                            RenderedImage image = Renderer.render(session, new ImageSpec(42, i, prompt, settings), PromptEncodings.none(), stages);
                            long t1 = System.nanoTime();
                            PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, image.rgb(), image.width(), image.height());
                            if (i > 0) {
                                java.add((t1 - t0) / 1e6);
                                javaStages.add(stages);
                                hashMs.add((System.nanoTime() - t1) / 1e6);
                            }
                            bar.step(i == 0 ? "java warm-up" : "java render " + i);
                        }
                    }
                }
                if (profile) {
                    // a worker's job renders one image of each submission in turn: each turn swaps the LoRA in the
                    // base's weights, merged afresh (kept merges off, as on the command line) or copied in (kept)
                    // named by its digest: a base named by a path alone is hashed again on every prepare
                    ModelRef baseRef = new ModelRef(bundle, Optional.of(Verified.digestOf(bundle)));
                    List<ModelRef> turns = List.of(new ModelRef(lora != null ? lora : Fixtures.lora("honest-1"), Optional.empty()),
                            new ModelRef(Fixtures.lora("honest-2"), Optional.empty()));
                    for (long budget : new long[] {0, Long.MAX_VALUE}) {
                        try (ModelCache cache = engine.openCache(budget)) {
                            for (int i = 0; i <= 2 * runs + 1; i++) {
                                try (ModelCache.Prepared prepared = cache.prepare(turns.get(i % 2), Optional.of(baseRef))) {
                                    long t0 = System.nanoTime();
                                    prepared.open().close();
                                    if (i > 1) {
                                        (budget == 0 ? mergeMs : keptMs).add((System.nanoTime() - t0) / 1e6);
                                    }
                                }
                            }
                        }
                        bar.step("lora turns");
                    }
                }
                javaMs = median(java);
                if (!json) {
                    out.printf("java   render_ms_per_image %.1f (median of %d, %d threads, %s %d steps)%n", javaMs, runs, threads, settings.sampler(), settings.steps());
                    out.flush();
                }
                List<String> command = new ArrayList<>(List.of(python, Home.path().resolve("python/render_reference.py").toString(),
                        "--model", bundle.toString(), "--seed", "42", "--index", "0", "--prompt", prompt,
                        "--steps", Integer.toString(settings.steps()), "--guidance", Double.toString(settings.guidance()),
                        "--sampler", settings.sampler().id(), "--threads", Integer.toString(threads),
                        "--bench", Integer.toString(runs), "--device", pythonDevice,
                        "--out", Path.of(System.getProperty("java.io.tmpdir"), "ftval-bench.png").toString()));
                if (settings.width() != 0) {
                    command.addAll(List.of("--width", Integer.toString(settings.width()), "--height", Integer.toString(settings.height())));
                }
                if (profile) {
                    command.add("--profile");
                }
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                StringBuilder log = new StringBuilder();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        log.append(line).append('\n');
                        if (line.startsWith("render_ms_per_image ")) {
                            pythonMs = Double.parseDouble(line.substring("render_ms_per_image ".length()).trim());
                        } else if (line.startsWith("stage_ms ")) {
                            String[] f = line.split(" ");
                            pythonStages.put(f[1], Double.parseDouble(f[2]));
                        }
                    }
                }
                if (p.waitFor() != 0 || pythonMs == null) {
                    String last = log.toString().strip().lines().reduce((a, b) -> b).orElse("no output");
                    throw new IllegalStateException("the Python reference failed: " + last + "\n" + log);
                }
                bar.step("python");
            }
            if (json) {
                ObjectNode figures = CoordinatorClient.JSON.createObjectNode().put("bundle", bundle.toString()).put("threads", threads)
                        .put("runs", runs).put("sampler", settings.sampler().id()).put("steps", settings.steps())
                        .put("javaMsPerImage", javaMs).put("pythonMsPerImage", pythonMs).put("ratio", javaMs / pythonMs);
                if (profile) {
                    ObjectNode stages = figures.putObject("stagesMs");
                    for (RenderProfile.Stage s : RenderProfile.Stage.values()) {
                        stages.putObject(s.id()).put("java", stageMedian(javaStages, s)).put("python", pythonStages.get(s.id()));
                    }
                    stages.putObject("hash").put("java", median(hashMs));
                    stages.putObject("loraTurnMerged").put("java", median(mergeMs));
                    stages.putObject("loraTurnKept").put("java", median(keptMs));
                }
                printJson(out, figures);
                return 0;
            }
            out.printf("python render_ms_per_image %.1f (median of %d, %d threads)%n", pythonMs, runs, threads);
            out.printf("ratio java/python %.2f%n", javaMs / pythonMs);
            if (profile) {
                out.printf("%nms per image, median of %d runs (%d steps):%n", runs, settings.steps());
                out.printf("%-22s %9s %9s %6s%n", "stage", "java", "python", "ratio");
                for (RenderProfile.Stage s : RenderProfile.Stage.values()) {
                    double j = stageMedian(javaStages, s);
                    Double py = pythonStages.get(s.id());
                    out.printf("%-22s %9.2f %9s %6s%n", s.id(), j, py == null ? "-" : String.format("%.2f", py),
                            py == null || py == 0 ? "-" : String.format("%.2f", j / py));
                }
                double unet = stageMedian(javaStages, RenderProfile.Stage.UNET) / settings.steps();
                Double pyUnet = pythonStages.get(RenderProfile.Stage.UNET.id());
                out.printf("%-22s %9.2f %9s%n", "  unet per step", unet, pyUnet == null ? "-" : String.format("%.2f", pyUnet / settings.steps()));
                out.printf("%-22s %9.2f %9s   (not part of the render time above)%n", "hash (goimagehash)", median(hashMs), "-");
                out.printf("%-22s %9.2f %9s   (a job's turn to the next submission: restore, then merge; the reference merges once)%n",
                        "lora turn, merged", median(mergeMs), "-");
                out.printf("%-22s %9.2f %9s   (the same with its merged weights kept: restore, then copy in)%n", "lora turn, kept", median(keptMs), "-");
            }
            return 0;
        }

        private static double stageMedian(List<RenderProfile> profiles, RenderProfile.Stage stage) {
            return median(profiles.stream().map(p -> p.millis().get(stage)).toList());
        }
    }

    @Command(name = "fleet", description = "Mixed worker speeds: a validation's wall time on a fast worker alone and with a slow"
            + " worker added (paused most of the time with SIGSTOP/SIGCONT), images per worker; jobs on one partition"
            + " (shared by every worker) and on as many as a consumer group would have had.")
    static final class Fleet implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--images", defaultValue = "16", description = "images per validation (default: ${DEFAULT-VALUE})")
        int images;

        @Option(names = "--paused", defaultValue = "0.8", description = "share of the time the slow worker is stopped (default: ${DEFAULT-VALUE})")
        double paused;

        @Option(names = "--period-ms", defaultValue = "1000", description = "one stop-and-continue cycle (default: ${DEFAULT-VALUE})")
        long periodMs;

        @Option(names = "--partitions", split = ",", defaultValue = "1,6",
                description = "layouts of the jobs topic to compare (default: ${DEFAULT-VALUE}: one shared partition, and the local cluster's 6)")
        List<Integer> partitions;

        @Mixin
        RenderOptions render;

        @Override
        public Integer call() throws Exception {
            List<String> pool = Fixtures.prompts();
            if (images < 1 || images > pool.size()) {
                throw new IllegalArgumentException("--images must be in 1.." + pool.size());
            }
            if (paused < 0 || paused >= 1) {
                throw new IllegalArgumentException("--paused must be in [0, 1)");
            }
            PrintWriter out = spec.commandLine().getOut();
            FleetBench bench = new FleetBench(out, Fixtures.groupOfThree(), pool.subList(0, images), render.settings(),
                    paused, java.time.Duration.ofMillis(periodMs));
            for (int p : partitions) {
                bench.run(p);
            }
            return 0;
        }
    }

    @Command(name = "cluster", description = "End-to-end wall time against pure render time (1 and 2 workers), and the coordinator's fan-out and aggregation rates without rendering.")
    static final class Cluster implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--images", defaultValue = "16", description = "images per submission (default: ${DEFAULT-VALUE})")
        int images;

        @Option(names = "--rate-validations", defaultValue = "500", description = "validations in the rate test (default: ${DEFAULT-VALUE})")
        int rateValidations;

        @Option(names = "--rate-images", defaultValue = "16", description = "images per validation in the rate test (default: ${DEFAULT-VALUE})")
        int rateImages;

        @Option(names = "--rates-only", description = "only the fan-out and aggregation rates, no rendering")
        boolean ratesOnly;

        @Option(names = "--base", description = "the base bundle of the --model LoRAs (default: the fixture base)")
        Path base;

        @Option(names = "--model", paramLabel = "NAME=PATH",
                description = "a submission; repeat it (default: the fixtures' two honest replicas and one dishonest LoRA)")
        List<String> models;

        @Option(names = "--workers", split = ",", defaultValue = "1,2", description = "cluster sizes timed (default: ${DEFAULT-VALUE})")
        List<Integer> workerCounts;

        @Option(names = "--device", defaultValue = "cpu",
                description = "where the pure render and every worker render: cpu, gpu or gpu:N (default: ${DEFAULT-VALUE})")
        String device;

        @Option(names = "--json", description = "print the figures as JSON")
        boolean json;

        @Mixin
        ProgressOptions progress;

        @Mixin
        RenderOptions render;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ObjectNode figures = CoordinatorClient.JSON.createObjectNode();
            if (!ratesOnly) {
                renders(out, figures);
            }
            ClusterRates.Rates rates;
            LocalClusterOptions none = new LocalClusterOptions();
            none.workers = 0;
            try (LocalCluster cluster = none.start(Map.of(), false);
                    Progress bar = progress.start(spec.commandLine().getErr(), json, rateValidations * rateImages, "records")) {
                rates = ClusterRates.measure(cluster, rateValidations, rateImages, bar);
            }
            if (json) {
                figures.putObject("fanOut").put("validations", rates.validations()).put("renderJobs", rates.jobs())
                        .put("seconds", rates.fanOutSeconds()).put("jobsPerSecond", rates.jobsPerSecond());
                figures.putObject("aggregation").put("scores", rates.jobs()).put("decisions", rates.validations())
                        .put("seconds", rates.aggregationSeconds()).put("scoresPerSecond", rates.scoresPerSecond());
                printJson(out, figures);
            } else {
                out.printf("fan-out: %d validations x %d images = %d render jobs published in %.2f s: %.0f jobs/s%n",
                        rates.validations(), rates.imagesPerValidation(), rates.jobs(), rates.fanOutSeconds(), rates.jobsPerSecond());
                out.printf("aggregation: %d scores (3 hashes each) to %d decisions in %.2f s: %.0f scores/s%n",
                        rates.jobs(), rates.validations(), rates.aggregationSeconds(), rates.scoresPerSecond());
            }
            return 0;
        }

        /** Pure render time in one process, then the cluster end to end with 1 and 2 workers. */
        private void renders(PrintWriter out, ObjectNode figures) throws Exception {
            List<SubmissionArg> submissions = models == null ? Fixtures.groupOfThree() : SubmissionArg.withUniqueIds(models.stream().map(SubmissionArg::parse).toList());
            Path basePath = base != null ? base : Fixtures.base();
            ModelRef baseRef = new ModelRef(basePath, Optional.empty());
            List<String> pool = Fixtures.prompts();
            if (images < 1 || images > pool.size()) {
                throw new IllegalArgumentException("--images must be in 1.." + pool.size());
            }
            List<String> prompts = pool.subList(0, images);
            RenderSettings settings = render.settings();
            int cores = Runtime.getRuntime().availableProcessors();
            ArrayNode clusters = figures.putArray("cluster");
            try (Progress bar = progress.start(spec.commandLine().getErr(), json, 2 + workerCounts.size() * 3, "steps")) {
                // 1. pure render time: every image of the validation in one process, models loaded beforehand
                EngineOptions engine = new EngineOptions();
                engine.device = device;
                engine.precision = "float32";
                double pureMs;
                try (ModelCache cache = engine.openCache()) {
                    LocalRenders.run(cache, submissions, Optional.of(baseRef),
                            Images.all(42, prompts.subList(0, 1), settings, HashAlgorithm.GOIMAGEHASH), ImageListener.NONE);
                    bar.step("pure render");
                    long t0 = System.nanoTime();
                    LocalRenders.run(cache, submissions, Optional.of(baseRef),
                            Images.all(42, prompts, settings, HashAlgorithm.GOIMAGEHASH), ImageListener.NONE);
                    pureMs = (System.nanoTime() - t0) / 1e6;
                    bar.step("cluster, 1 worker");
                }
                figures.putObject("pureRender").put("device", device).put("threads", cores).put("submissions", submissions.size()).put("images", images).put("ms", pureMs);
                if (!json) {
                    out.printf("pure render, one process, %s, %d threads: %d submissions x %d images in %.0f ms%n", device, cores, submissions.size(), images, pureMs);
                    out.flush();
                }

                // 2. end to end, 1 and 2 workers (each worker gets cores / workers engine threads)
                for (int workers : workerCounts) {
                    LocalClusterOptions local = new LocalClusterOptions();
                    local.workerDevices = Collections.nCopies(workers, device);
                    local.allowBundles = base != null;
                    try (LocalCluster cluster = local.start(Map.of(), false)) {
                        bar.step("warm-up");
                        CoordinatorClient client = CoordinatorClient.of(cluster);
                        // warm-up: the workers load the models once
                        ClusterRates.validate(client, ClusterRates.request(basePath, submissions, prompts.subList(0, Math.min(prompts.size(), 2 * workers)), settings));
                        bar.step("validation, " + workers + " worker(s)");
                        var request = ClusterRates.request(basePath, submissions, prompts, settings);
                        long t0 = System.nanoTime();
                        ClusterRates.validate(client, request);
                        double wallMs = (System.nanoTime() - t0) / 1e6;
                        bar.step("cluster");
                        int jobs = images;
                        clusters.addObject().put("workers", workers).put("threadsPerWorker", Math.max(1, cores / workers))
                                .put("ms", wallMs).put("ratioToPureRender", wallMs / pureMs)
                                .put("overheadMsPerJob", (wallMs * workers - pureMs) / jobs);
                        if (!json) {
                            out.printf("cluster, %d worker(s) x %d threads: %.0f ms end to end, ratio to pure render %.2f;"
                                    + " overhead per job (wall x workers - pure) / jobs: %.0f ms, %.1f %% of a job's pure render%n",
                                    workers, Math.max(1, cores / workers), wallMs, wallMs / pureMs,
                                    (wallMs * workers - pureMs) / jobs, 100 * (wallMs * workers - pureMs) / pureMs);
                            out.flush();
                        }
                    }
                }
            }
        }
    }
}
