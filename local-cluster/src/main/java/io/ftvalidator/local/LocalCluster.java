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
 * service then writes. For the demo, the benchmarks and the end-to-end tests.
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
     * @param brokerProps settings of the embedded broker that replace its defaults
     * @param externalKafka a broker to use instead of the embedded one (e.g. a Testcontainers
     *     Kafka where Docker exists); null for the embedded broker
     * @param registryApp the unpacked schema registry ({@link LocalRegistry#defaultApp}) to start
     *     and run the services with {@code ftval.serde=registry}; null for single-object encoding
     * @param jvmOptions extra options of every service's JVM, e.g. {@link #QUICK_START}
     */
    public record Spec(Path coordinatorJar, Path workerJar, int workers, int workerThreads, Path workDir,
            Map<String, String> coordinatorProps, Map<String, String> workerProps, Map<String, String> brokerProps,
            Duration startTimeout, String externalKafka, Path registryApp, List<String> jvmOptions) {

        public Spec {
            coordinatorProps = Map.copyOf(coordinatorProps);
            workerProps = Map.copyOf(workerProps);
            brokerProps = Map.copyOf(brokerProps);
            jvmOptions = List.copyOf(jvmOptions);
        }

        /** The embedded broker with its defaults, single-object encoding, the JVMs' defaults. */
        public Spec(Path coordinatorJar, Path workerJar, int workers, int workerThreads, Path workDir,
                Map<String, String> coordinatorProps, Map<String, String> workerProps, Duration startTimeout) {
            this(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, Map.of(), startTimeout,
                    null, null, List.of());
        }

        public Spec withBrokerProps(Map<String, String> props) {
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, props,
                    startTimeout, externalKafka, registryApp, jvmOptions);
        }

        /** The same cluster on another broker. */
        public Spec withExternalKafka(String bootstrapServers) {
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, brokerProps,
                    startTimeout, bootstrapServers, registryApp, jvmOptions);
        }

        /** The same cluster in registry mode, with the registry unpacked at {@code app}. */
        public Spec withRegistry(Path app) {
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, brokerProps,
                    startTimeout, externalKafka, app, jvmOptions);
        }

        public Spec withJvmOptions(List<String> options) {
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, coordinatorProps, workerProps, brokerProps,
                    startTimeout, externalKafka, registryApp, options);
        }

        /**
         * A base bundle on the allow-list of the coordinator and every worker
         * ({@code ftval.bases.<name>.sha256} and {@code .uri}, docs/security.md).
         */
        public Spec withBase(String name, String sha256, String uri) {
            return with(Map.of("ftval.bases." + name + ".sha256", sha256, "ftval.bases." + name + ".uri", uri));
        }

        /** {@code props} for the coordinator, over its other settings. */
        public Spec withCoordinator(Map<String, String> props) {
            Map<String, String> c = new LinkedHashMap<>(coordinatorProps);
            c.putAll(props);
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, c, workerProps, brokerProps,
                    startTimeout, externalKafka, registryApp, jvmOptions);
        }

        /** {@code props} for the coordinator and every worker alike. */
        public Spec with(Map<String, String> props) {
            Map<String, String> c = new LinkedHashMap<>(coordinatorProps);
            Map<String, String> w = new LinkedHashMap<>(workerProps);
            c.putAll(props);
            w.putAll(props);
            return new Spec(coordinatorJar, workerJar, workers, workerThreads, workDir, c, w, brokerProps,
                    startTimeout, externalKafka, registryApp, jvmOptions);
        }
    }

    /** The requester a local cluster's own API key ({@link #apiKey()}) authenticates. */
    public static final String LOCAL_REQUESTER = "local";

    /**
     * JVM options for a cluster started by hand (the demo, {@code ftval cluster}): the client
     * compiler only, and the serial collector. Measured on 2 busy cores, they nearly halve the CPU
     * the JVMs spend (user time of {@code ftval demo --images 1}: 28.7 s to 15.7 s) and the
     * start-up time with it; renders run in libtorch and are unchanged (Java's floating point is strict). Not
     * for benchmarks: the coordinator's and broker's steady throughput wants the optimizing compiler.
     */
    public static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /**
     * How long the start took, from the call: the broker alone, then each service until it
     * answered ready (they start together), and the whole.
     */
    public record Startup(Duration broker, Map<String, Duration> ready, Duration total) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(String.format("broker %.1f s, then together:", broker.toMillis() / 1000.0));
            ready.forEach((name, d) -> s.append(String.format(" %s %.1f s,", name, d.toMillis() / 1000.0)));
            return s.substring(0, s.length() - 1);
        }
    }

    private EmbeddedKafka kafka;
    private final LocalRegistry registry;
    private final String apiKey;
    private final String bootstrapServers;
    private final Spec spec;
    private Service coordinator;
    private Map<String, String> coordinatorSettings;
    private int coordinatorStarts = 1;
    private final List<Service> workers = new ArrayList<>();
    private Startup startup;

    /** A child process and what it answers on: its API, and its management interface (health, metrics). */
    public record Service(String name, Process process, int httpPort, int managementPort, Path log) {
        public String url() {
            return "http://localhost:" + httpPort;
        }

        /** Health ({@code /q/health}) and metrics ({@code /q/metrics}). */
        public String managementUrl() {
            return "http://localhost:" + managementPort;
        }
    }

    private LocalCluster(EmbeddedKafka kafka, LocalRegistry registry, Spec spec, Service coordinator, String apiKey) {
        this.kafka = kafka;
        this.registry = registry;
        this.apiKey = apiKey;
        this.bootstrapServers = kafka != null ? kafka.bootstrapServers() : spec.externalKafka();
        this.spec = spec;
        this.coordinator = coordinator;
    }

    /**
     * Starts the broker, then the coordinator and every worker at once (a worker waits for the
     * render-jobs topic by itself, and the coordinator creates it), and returns when all answer
     * ready. Nothing waits on a fixed delay: readiness is polled. In registry mode the registry
     * starts first (it is the slowest) and must answer before the services, which register their
     * schemas at start.
     */
    public static LocalCluster start(Spec spec) {
        requireFile(spec.coordinatorJar());
        requireFile(spec.workerJar());
        long t0 = System.nanoTime();
        LocalRegistry registry = spec.registryApp() == null ? null : LocalRegistry.launch(spec.registryApp(), spec.workDir());
        EmbeddedKafka kafka = null;
        LocalCluster cluster = null;
        try {
            kafka = spec.externalKafka() == null ? EmbeddedKafka.start(spec.workDir().resolve("kafka"), 0, spec.brokerProps()) : null;
            Duration brokerUp = Duration.ofNanos(System.nanoTime() - t0);
            String bootstrap = kafka != null ? kafka.bootstrapServers() : spec.externalKafka();
            if (registry != null) {
                registry.awaitReady(spec.startTimeout());
            }
            String apiKey = newApiKey();
            Map<String, String> coordinatorSettings = props(spec.coordinatorProps(), serde(registry, Map.of(
                    "ftval.state-dir", spec.workDir().resolve("coordinator-state").toString(),
                    "ftval.topics.partitions", "6",
                    // one broker: one replica, and a write needs only it
                    "ftval.topics.replication", "1",
                    "ftval.topics.min-insync-replicas", "1",
                    "ftval.auth.api-keys." + LOCAL_REQUESTER, sha256(apiKey),
                    // its own key opens the web view too (/ui, operators only)
                    "ftval.auth.operators", LOCAL_REQUESTER)));
            Service coordinator = launch("coordinator", spec.coordinatorJar(), spec, bootstrap, coordinatorSettings);
            // a restarted coordinator answers where this one did
            coordinatorSettings.put("quarkus.http.port", Integer.toString(coordinator.httpPort()));
            coordinatorSettings.put("quarkus.management.port", Integer.toString(coordinator.managementPort()));
            cluster = new LocalCluster(kafka, registry, spec, coordinator, apiKey);
            cluster.coordinatorSettings = coordinatorSettings;
            for (int i = 1; i <= spec.workers(); i++) {
                cluster.workers.add(cluster.launchWorker(Map.of()));
            }
            List<Service> all = new ArrayList<>(List.of(coordinator));
            all.addAll(cluster.workers);
            Map<String, Duration> ready = cluster.awaitReady(all, t0);
            cluster.startup = new Startup(brokerUp, ready, Duration.ofNanos(System.nanoTime() - t0));
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

    /**
     * Kills the coordinator with SIGKILL (no shutdown hook, no commit, no flush) and starts another
     * on the same ports, state directory and settings; waits until it is ready.
     */
    public Service killAndRestartCoordinator() {
        coordinator.process().destroyForcibly();
        try {
            coordinator.process().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        coordinatorStarts++;
        coordinator = launch("coordinator-" + coordinatorStarts, spec.coordinatorJar(), spec, bootstrapServers, coordinatorSettings);
        awaitReady(List.of(coordinator), System.nanoTime());
        return coordinator;
    }

    /**
     * Stops the in-JVM broker and starts it again on the same log directory and ports after
     * {@code down}; the services see it go away and come back. Not for an external broker.
     */
    public void restartBroker(Duration down) {
        if (kafka == null) {
            throw new IllegalStateException("the broker is external: restart it where it runs");
        }
        EmbeddedKafka old = kafka;
        old.close();
        sleep(down.toMillis());
        kafka = old.startAgain();
    }

    /** Starts one more worker and waits until it is ready. */
    public Service addWorker() {
        return addWorker(Map.of());
    }

    /** Starts one more worker with {@code props} over every worker's settings, and waits until it is ready. */
    public Service addWorker(Map<String, String> props) {
        Service worker = launchWorker(props);
        workers.add(worker);
        awaitReady(List.of(worker), System.nanoTime());
        return worker;
    }

    private Service launchWorker(Map<String, String> extra) {
        int n = workers.size() + 1;
        Map<String, String> settings = props(spec.workerProps(), serde(registry, Map.of(
                "ftval.worker.id", "worker-" + n,
                "ftval.worker.threads", Integer.toString(spec.workerThreads()),
                "ftval.worker.cache-dir", spec.workDir().resolve("worker-cache").toString(),
                // models named by local paths: a local cluster's requests are its user's own
                "ftval.worker.fetch.allow-file", "true",
                "ai.djl.offline", "true")));
        settings.putAll(extra);
        return launch("worker-" + n, spec.workerJar(), spec, bootstrapServers, settings);
    }

    /** How long the start took, phase by phase. */
    public Startup startup() {
        return startup;
    }

    public String coordinatorUrl() {
        return coordinator.url();
    }

    /** The API key of the requester {@value #LOCAL_REQUESTER}, made for this cluster (only its SHA-256 is given to the coordinator). */
    public String apiKey() {
        return apiKey;
    }

    /** A new API key: 32 random bytes, hex. */
    public static String newApiKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return java.util.HexFormat.of().formatHex(key);
    }

    /** The SHA-256 of a key, as the coordinator's {@code ftval.auth.api-keys.*} takes it. */
    public static String sha256(String key) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Service coordinator() {
        return coordinator;
    }

    public List<Service> workers() {
        return List.copyOf(workers);
    }

    /** The schema registry of a cluster in registry mode; empty in single-object mode. */
    public Optional<LocalRegistry> registry() {
        return Optional.ofNullable(registry);
    }

    private static Map<String, String> props(Map<String, String> extra, Map<String, String> defaults) {
        Map<String, String> out = new LinkedHashMap<>(defaults);
        out.putAll(extra);
        return out;
    }

    private static Service launch(String name, Path jar, Spec spec, String bootstrap, Map<String, String> props) {
        try {
            int port = props.containsKey("quarkus.http.port") ? Integer.parseInt(props.get("quarkus.http.port")) : EmbeddedKafka.freePort();
            int management = props.containsKey("quarkus.management.port") ? Integer.parseInt(props.get("quarkus.management.port"))
                    : EmbeddedKafka.freePort();
            Files.createDirectories(spec.workDir());
            Path log = spec.workDir().resolve(name + ".log");
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.add("-Xmx2g");
            command.addAll(spec.jvmOptions());
            command.add("-Dkafka.bootstrap.servers=" + bootstrap);
            command.add("-Dquarkus.http.port=" + port);
            command.add("-Dquarkus.management.port=" + management);
            props.forEach((k, v) -> {
                if (!k.equals("quarkus.http.port") && !k.equals("quarkus.management.port")) {
                    command.add("-D" + k + "=" + v);
                }
            });
            command.add("-jar");
            command.add(jar.toString());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new Service(name, process, port, management, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** Polls every service's readiness until all answer 200; returns, per service, the time from {@code t0} to its first 200. */
    private Map<String, Duration> awaitReady(List<Service> services, long t0) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long until = System.nanoTime() + spec.startTimeout().toNanos();
        Map<String, Duration> ready = new LinkedHashMap<>();
        while (ready.size() < services.size()) {
            for (Service service : services) {
                if (ready.containsKey(service.name())) {
                    continue;
                }
                if (!service.process().isAlive()) {
                    throw new IllegalStateException(service.name() + " exited with " + service.process().exitValue() + " (log " + service.log() + "):\n" + tail(service.log()));
                }
                if (isReady(http, service)) {
                    ready.put(service.name(), Duration.ofNanos(System.nanoTime() - t0));
                }
            }
            if (System.nanoTime() > until) {
                Service late = services.stream().filter(s -> !ready.containsKey(s.name())).findFirst().orElseThrow();
                throw new IllegalStateException(late.name() + " was not ready after " + spec.startTimeout().toSeconds() + " s (log " + late.log() + "):\n" + tail(late.log()));
            }
            if (ready.size() < services.size()) {
                sleep(100);
            }
        }
        return ready;
    }

    private static boolean isReady(HttpClient http, Service service) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(service.managementUrl() + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException notYet) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + service.name() + " started", e);
        }
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
