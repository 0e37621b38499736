package io.ftvalidator.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A whole cluster on this machine: the embedded broker in this JVM, the coordinator and N workers
 * as separate processes running their real Quarkus jars, each logging to its own file, and, in
 * registry mode, a real schema registry process ({@link LocalRegistry}) whose wire format every
 * service then writes. For the demo, the benchmark and the end-to-end tests.
 */
public final class LocalCluster implements AutoCloseable {

    /**
     * @param coordinatorJar the coordinator's {@code quarkus-app/quarkus-run.jar}
     * @param workerJar the worker's {@code quarkus-app/quarkus-run.jar}
     * @param workers how many worker processes
     * @param workerThreads engine threads per worker
     * @param workDir logs, broker data, state and model caches
     * @param coordinatorProps extra {@code -D} settings of the coordinator
     * @param workerProps extra {@code -D} settings of every worker
     * @param externalKafka a broker to use instead of the embedded one (e.g. a Testcontainers
     *     Kafka where Docker exists); null for the embedded broker
     * @param brokerProps settings of the embedded broker that replace its defaults
     * @param registryApp the unpacked schema registry ({@link LocalRegistry#defaultApp}) to start
     *     and run the services with {@code ftval.serde=registry}; null for single-object encoding
     */
    public record Spec(Path coordinatorJar, Path workerJar, int workers, int workerThreads, Path workDir,
            Map<String, String> coordinatorProps, Map<String, String> workerProps, Map<String, String> brokerProps,
            Duration startTimeout, String externalKafka, Path registryApp) {

        public Spec(Path coordinatorJar, Path workerJar, int workers, int workerThreads, Path workDir,
                Map<String, String> coordinatorProps, Map<String, String> workerProps, Duration startTimeout) {
            this(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, Map.of(), startTimeout,
                    null, null);
        }

        /** The same cluster on another broker. */
        public Spec withExternalKafka(String bootstrapServers) {
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, brokerProps,
                    startTimeout, bootstrapServers, registryApp);
        }

        /** The same cluster in registry mode, with the registry unpacked at {@code app}. */
        public Spec withRegistry(Path app) {
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, brokerProps,
                    startTimeout, externalKafka, app);
        }
    }

    private final EmbeddedKafka kafka;
    private final LocalRegistry registry;
    private final String bootstrapServers;
    private final Spec spec;
    private final Service coordinator;
    private final List<Service> workers = new ArrayList<>();

    /** A child process and what it answers on. */
    public record Service(String name, Process process, int httpPort, Path log) {
        public String url() {
            return "http://localhost:" + httpPort;
        }
    }

    private LocalCluster(EmbeddedKafka kafka, LocalRegistry registry, Spec spec, Service coordinator) {
        this.kafka = kafka;
        this.registry = registry;
        this.bootstrapServers = kafka != null ? kafka.bootstrapServers() : spec.externalKafka();
        this.spec = spec;
        this.coordinator = coordinator;
    }

    public static LocalCluster start(Spec spec) {
        requireFile(spec.coordinatorJar());
        requireFile(spec.workerJar());
        // the registry starts slowest (about 15 s): it comes up while the broker does
        LocalRegistry registry = spec.registryApp() == null ? null : LocalRegistry.launch(spec.registryApp(), spec.workDir());
        EmbeddedKafka kafka = null;
        LocalCluster cluster = null;
        try {
            kafka = spec.externalKafka() == null ? EmbeddedKafka.start(spec.workDir().resolve("kafka"), 0, spec.brokerProps()) : null;
            String bootstrap = kafka != null ? kafka.bootstrapServers() : spec.externalKafka();
            if (registry != null) {
                registry.awaitReady(spec.startTimeout());
            }
            Service coordinator = launch("coordinator", spec.coordinatorJar(), spec, bootstrap, props(spec.coordinatorProps(), serde(registry, Map.of(
                    "ftval.state-dir", spec.workDir().resolve("coordinator-state").toString(),
                    "ftval.topics.partitions", "6"))));
            cluster = new LocalCluster(kafka, registry, spec, coordinator);
            cluster.awaitReady(coordinator);
            for (int i = 1; i <= spec.workers(); i++) {
                cluster.addWorker();
            }
            return cluster;
        } catch (RuntimeException e) {
            if (cluster != null) {
                cluster.close();
            } else {
                if (kafka != null) {
                    kafka.close();
                }
                if (registry != null) {
                    registry.close();
                }
            }
            throw e;
        }
    }

    /** The services' encoding settings beside {@code defaults}: the registry's when there is one. */
    private static Map<String, String> serde(LocalRegistry registry, Map<String, String> defaults) {
        Map<String, String> out = new LinkedHashMap<>(defaults);
        if (registry != null) {
            out.put("ftval.serde", "registry");
            out.put("ftval.registry.url", registry.url());
        }
        return out;
    }

    /** Starts one more worker and waits until it is ready. */
    public Service addWorker() {
        return addWorker(Map.of());
    }

    /** Starts one more worker with {@code props} over every worker's settings, and waits until it is ready. */
    public Service addWorker(Map<String, String> props) {
        int n = workers.size() + 1;
        Map<String, String> settings = props(spec.workerProps(), serde(registry, Map.of(
                "ftval.worker.id", "worker-" + n,
                "ftval.worker.threads", Integer.toString(spec.workerThreads()),
                "ftval.worker.cache-dir", spec.workDir().resolve("worker-cache").toString(),
                "ai.djl.offline", "true")));
        settings.putAll(props);
        Service worker = launch("worker-" + n, spec.workerJar(), spec, bootstrapServers, settings);
        workers.add(worker);
        awaitReady(worker);
        return worker;
    }

    public String coordinatorUrl() {
        return coordinator.url();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The schema registry of a cluster in registry mode; empty in single-object mode. */
    public Optional<LocalRegistry> registry() {
        return Optional.ofNullable(registry);
    }

    public Service coordinator() {
        return coordinator;
    }

    public List<Service> workers() {
        return List.copyOf(workers);
    }

    private static Map<String, String> props(Map<String, String> extra, Map<String, String> defaults) {
        Map<String, String> out = new LinkedHashMap<>(defaults);
        out.putAll(extra);
        return out;
    }

    private static Service launch(String name, Path jar, Spec spec, String bootstrap, Map<String, String> props) {
        try {
            int port = props.containsKey("quarkus.http.port") ? Integer.parseInt(props.get("quarkus.http.port")) : EmbeddedKafka.freePort();
            Files.createDirectories(spec.workDir());
            Path log = spec.workDir().resolve(name + ".log");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.add("-Xmx2g");
            command.add("-Dkafka.bootstrap.servers=" + bootstrap);
            command.add("-Dquarkus.http.port=" + port);
            props.forEach((k, v) -> {
                if (!k.equals("quarkus.http.port")) {
                    command.add("-D" + k + "=" + v);
                }
            });
            command.add("-jar");
            command.add(jar.toString());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new Service(name, process, port, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private void awaitReady(Service service) {
        HttpClient http = HttpClient.newHttpClient();
        long until = System.nanoTime() + spec.startTimeout().toNanos();
        URI ready = URI.create(service.url() + "/q/health/ready");
        while (System.nanoTime() < until) {
            if (!service.process().isAlive()) {
                throw new IllegalStateException(service.name() + " exited with " + service.process().exitValue() + " (log " + service.log() + "):\n" + tail(service.log()));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + service.name() + " started", e);
            }
            sleep(250);
        }
        throw new IllegalStateException(service.name() + " was not ready after " + spec.startTimeout().toSeconds() + " s (log " + service.log() + "):\n" + tail(service.log()));
    }

    /** The last lines of a log, for an error message. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void requireFile(Path jar) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: build the project first (./mvnw package -DskipTests)");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops a service: politely, then by force. */
    public static void stop(Service service) {
        service.process().destroy();
        try {
            if (!service.process().waitFor(Duration.ofSeconds(15).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                service.process().destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            service.process().destroyForcibly();
        }
    }

    @Override
    public void close() {
        workers.forEach(LocalCluster::stop);
        stop(coordinator);
        if (kafka != null) {
            kafka.close();
        }
        if (registry != null) {
            registry.close();
        }
    }
}
