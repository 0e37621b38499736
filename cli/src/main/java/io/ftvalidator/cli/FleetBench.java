package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.local.LocalCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Mixed worker speeds: a validation's wall time on a fast worker alone, then with a slow worker
 * added (a worker paused most of the time with SIGSTOP/SIGCONT stands in for a slow card), and
 * which worker rendered how many images. Run once with the jobs topic on one partition (every
 * worker shares it) and once on as many partitions as a consumer group would have had (each
 * partition then has one worker, as in the consumer group the workers were before).
 */
final class FleetBench {

    private final PrintWriter out;
    private final List<SubmissionArg> submissions;
    private final List<String> prompts;
    private final RenderSettings settings;
    private final double pausedShare;
    private final Duration period;

    FleetBench(PrintWriter out, List<SubmissionArg> submissions, List<String> prompts, RenderSettings settings,
            double pausedShare, Duration period) {
        this.out = out;
        this.submissions = submissions;
        this.prompts = prompts;
        this.settings = settings;
        this.pausedShare = pausedShare;
        this.period = period;
    }

    /** One layout of the jobs topic: fast alone, then fast + slow. */
    void run(int jobPartitions) throws Exception {
        Path home = Home.path();
        Path dir = Files.createTempDirectory(Files.createDirectories(Home.cache().resolve("clusters")), "fleet-");
        LocalCluster.Spec spec = new LocalCluster.Spec(
                home.resolve("coordinator/target/quarkus-app/quarkus-run.jar"),
                home.resolve("validator-worker/target/quarkus-app/quarkus-run.jar"),
                1, 1, dir, Map.of("ftval.topics.job-partitions", Integer.toString(jobPartitions)), Map.of(), Duration.ofSeconds(180))
                .withBase("fixture", io.ftvalidator.engine.bundle.Verified.digestOf(Fixtures.base()), Fixtures.base().toUri().toString());
        try (LocalCluster cluster = LocalCluster.start(spec)) {
            CoordinatorClient client = CoordinatorClient.of(cluster);
            LocalCluster.Service fast = cluster.workers().get(0);
            validate(client, prompts); // loads the models and warms the JIT, as the timed runs find them
            Run alone = timed(client);
            out.printf("jobs on %d partition(s), fast worker alone:        %6.1f s, images by worker %s%n",
                    jobPartitions, alone.seconds(), alone.byWorker());
            out.flush();

            LocalCluster.Service slow = cluster.addWorker();
            validate(client, prompts.subList(0, 4)); // the slow worker loads its models, at full speed
            Thread pauser = new Thread(() -> pause(slow), "pause-" + slow.name());
            pauser.start();
            try {
                Run both = timed(client);
                out.printf("jobs on %d partition(s), fast + slow (paused %2.0f%%): %6.1f s (%.2f x alone), images by worker %s (fast: %s)%n",
                        jobPartitions, pausedShare * 100, both.seconds(), both.seconds() / alone.seconds(), both.byWorker(), fast.name());
                out.flush();
            } finally {
                pauser.interrupt();
                pauser.join();
            }
        }
    }

    private record Run(double seconds, Map<String, Integer> byWorker) {}

    private Run timed(CoordinatorClient client) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        JsonNode status = validate(client, prompts);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Integer> byWorker = new TreeMap<>();
        status.path("decision").path("renders").forEach(r -> byWorker.merge(r.path("worker").asText(), 1, Integer::sum));
        return new Run(seconds, byWorker);
    }

    private JsonNode validate(CoordinatorClient client, List<String> images) throws IOException, InterruptedException {
        ObjectNode request = ClusterRates.request(submissions, images, settings);
        String id = client.submit(request).path("validationId").asText();
        JsonNode status = client.awaitDecision(id, Duration.ofMinutes(30), s -> { });
        if (!"DECIDED".equals(status.path("state").asText())) {
            throw new IllegalStateException("the benchmark validation ended " + status.path("state").asText());
        }
        return status;
    }

    /** Runs the worker for (1 - pausedShare) of every period and stops it for the rest, until interrupted. */
    private void pause(LocalCluster.Service worker) {
        long pid = worker.process().pid();
        long running = Math.round(period.toMillis() * (1 - pausedShare));
        try {
            while (!Thread.currentThread().isInterrupted()) {
                signal("-CONT", pid);
                TimeUnit.MILLISECONDS.sleep(running);
                signal("-STOP", pid);
                TimeUnit.MILLISECONDS.sleep(period.toMillis() - running);
            }
        } catch (InterruptedException done) {
            // the timed run is over
        } finally {
            signal("-CONT", pid);
        }
    }

    private static void signal(String signal, long pid) {
        try {
            new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot send " + signal + " to " + pid + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
