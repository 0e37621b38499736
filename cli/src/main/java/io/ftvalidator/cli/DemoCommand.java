package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.local.LocalCluster;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "demo", description = "Starts a local cluster (in-JVM Kafka broker, coordinator, workers) and validates the fixture models: "
        + "two honest replicas and one dishonest submission.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LocalClusterOptions local;

    @Mixin
    RenderOptions render;

    @Option(names = "--images", defaultValue = "8", description = "images per submission (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--cheat", defaultValue = "dishonest-half-steps",
            description = "the dishonest fixture: dishonest-zero, dishonest-half-steps, dishonest-other-data or dishonest-random (default: ${DEFAULT-VALUE})")
    String cheat;

    @Option(names = "--keep-running", description = "leave the cluster running after the verdict, until Ctrl-C")
    boolean keepRunning;

    @Option(names = "--json", description = "print the decided status as JSON on stdout (what the demo says goes to stderr)")
    boolean json;

    @Mixin
    ProgressOptions progress;

    @Override
    public Integer call() throws Exception {
        PrintWriter result = spec.commandLine().getOut();
        PrintWriter out = json ? spec.commandLine().getErr() : result;
        List<SubmissionArg> submissions = Fixtures.groupOfThree(cheat);
        List<String> prompts = Fixtures.prompts();
        if (images < 1 || images > prompts.size()) {
            throw new IllegalArgumentException("--images must be in 1.." + prompts.size());
        }
        out.printf("starting a Kafka broker (in-JVM, KRaft), a coordinator and %d workers...%n", local.workerCount());
        out.flush();
        long t0 = System.nanoTime();
        LocalCluster cluster = local.start(Map.of(), true);
        try {
            out.printf("cluster up in %.1f s (%s)%n", (System.nanoTime() - t0) / 1e9, cluster.startup());
            out.printf("coordinator %s, Kafka %s, %s, logs in %s%n", cluster.coordinatorUrl(), cluster.bootstrapServers(),
                    LocalClusterOptions.encoding(cluster),
                    cluster.coordinator().log().getParent());
            CoordinatorClient client = CoordinatorClient.of(cluster);
            ValidationOptions v = Fixtures.options(submissions, prompts.subList(0, images));
            String id = client.submit(SubmitCommand.request(v, render.settings(), null, 900)).path("validationId").asText();
            out.printf("validation %s: %d submissions (honest-1, honest-2 and the dishonest '%s') x %d images, seed 42%n",
                    id, submissions.size(), cheat, images);
            out.flush();
            JsonNode status;
            try (Progress bar = progress.start(spec.commandLine().getErr(), json, images, "images")) {
                status = client.awaitDecision(id, Duration.ofMinutes(15), s -> StatusPrinter.progress(bar, s));
            }
            StatusPrinter.print(result, status, json);
            if (keepRunning) {
                out.printf("the cluster keeps running: ./ftval status --coordinator %s %s; Ctrl-C stops it%n", cluster.coordinatorUrl(), id);
                out.flush();
                Thread.currentThread().join();
            }
        } finally {
            out.println("stopping the cluster");
            out.flush();
            cluster.close();
        }
        return 0;
    }
}
