package io.ftvalidator.cli;

import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.local.LocalCluster;
import io.ftvalidator.local.LocalRegistry;
import io.ftvalidator.schemas.RecordSerde;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** How a local cluster is started: how many workers, with how many engine threads, where. */
final class LocalClusterOptions {

    @Option(names = "--workers", defaultValue = "2", description = "worker processes (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--worker-device", paramLabel = "DEVICE",
            description = "one worker on this device (cpu, gpu, gpu:N, auto); repeat it for a mixed cluster, e.g. --worker-device gpu"
                    + " --worker-device cpu; replaces --workers")
    List<String> workerDevices = new ArrayList<>();

    @Option(names = "--worker-threads", description = "engine threads per worker (default: cores / workers, at least 1)")
    Integer workerThreads;

    @Option(names = "--work-dir", description = "logs, broker data and caches (default: a new folder under $FTVAL_CACHE or ~/.cache/ftvalidator)")
    Path workDir;

    @Option(names = "--serde", defaultValue = "single-object",
            description = "record encoding: single-object (no registry) or registry (starts an Apicurio Registry, needs a JDK 21+; "
                    + "docs/integration.md) (default: ${DEFAULT-VALUE})")
    String serde;

    @Option(names = "--allow-bundles", description = "let requests bring whole bundles and bases of their own, not only LoRA weights"
            + " on the fixture base (ftval.requests.allow-bundles; docs/security.md)")
    boolean allowBundles;

    /**
     * @param quickStart whether the services' JVMs start quick ({@link LocalCluster#QUICK_START}):
     *     for clusters started by hand, not for benchmarks
     */
    LocalCluster start(Map<String, String> coordinatorProps, boolean quickStart) throws IOException {
        int count = workerCount();
        Path home = Home.path();
        Path dir = workDir != null ? workDir : Files.createTempDirectory(Files.createDirectories(Home.cache().resolve("clusters")), "cluster-");
        Files.createDirectories(dir);
        CliLogging.kafkaTo(dir.resolve("broker.log")); // beside the coordinator's and workers' logs
        int threads = workerThreads != null ? workerThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, count));
        LocalCluster.Spec spec = new LocalCluster.Spec(
                home.resolve("coordinator/target/quarkus-app/quarkus-run.jar"),
                home.resolve("validator-worker/target/quarkus-app/quarkus-run.jar"),
                workerDevices.isEmpty() ? workers : 0, threads, dir, coordinatorProps, Map.of(), Duration.ofSeconds(180));
        spec = quickStart ? spec.withJvmOptions(LocalCluster.QUICK_START) : spec;
        // the fixture base is on the allow-list; other models only with --allow-bundles
        spec = spec.withBase("fixture", Verified.digestOf(Fixtures.base()), Fixtures.base().toUri().toString())
                .with(Map.of("ftval.requests.allow-bundles", Boolean.toString(allowBundles)));
        LocalCluster cluster = LocalCluster.start(switch (RecordSerde.Encoding.of(serde)) {
            case SINGLE_OBJECT -> spec;
            case REGISTRY -> spec.withRegistry(LocalRegistry.defaultApp(home));
        });
        try {
            for (String device : workerDevices) {
                cluster.addWorker(Map.of("ftval.worker.device", device));
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** The number of workers these options start, once the options are checked (before anything starts or is printed). */
    int workerCount() {
        int count = workerDevices.isEmpty() ? workers : workerDevices.size();
        if (count < 0 || count > 16) {
            throw new IllegalArgumentException("--workers must be in 0..16, got " + count);
        }
        for (String device : workerDevices) {
            EngineSetup.checkDeviceName(device);
        }
        return count;
    }

    /** One line naming the registry of a cluster in registry mode, or the encoding. */
    static String encoding(LocalCluster cluster) {
        return cluster.registry().map(r -> "schema registry " + r.url() + " (Confluent-compatible: " + r.ccompatUrl() + ")")
                .orElse("single-object encoding, no registry");
    }
}
