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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real Apicurio Registry in a child process, for the demo and the tests: the Quarkus application
 * Apicurio publishes on Maven Central ({@code io.apicurio:apicurio-registry-app:}{@value #VERSION}
 * {@code :tar.gz:all}, which this module's build unpacks into {@code target/apicurio-registry}),
 * with its default in-memory storage (H2), listening on loopback only. Nothing is kept after it
 * stops.
 *
 * <p>Apicurio compiles the application for Java 21, so it runs on a JDK 21 or later: the one
 * {@code ftval.registry.java} or {@code FTVAL_REGISTRY_JAVA} names (a JDK folder or its
 * {@code bin/java}), else this JVM if it is recent enough, else {@code JAVA_HOME}'s, else the newest
 * under {@code /usr/lib/jvm}. The rest of the cluster stays on Java 17.
 */
public final class LocalRegistry implements AutoCloseable {

    /** The Apicurio Registry release run here (the local-cluster pom unpacks the same). */
    public static final String VERSION = "3.3.3";

    private static final int JAVA_NEEDED = 21;

    private final Process process;
    private final int port;
    private final Path log;
    private final long launchedAt = System.nanoTime();
    private Duration startedIn;

    private LocalRegistry(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Where this module's build unpacks the registry, under the repository root {@code home}. */
    public static Path defaultApp(Path home) {
        return home.resolve("local-cluster/target/apicurio-registry");
    }

    /**
     * Starts the registry and waits until it answers.
     *
     * @param app the unpacked application (holding {@code quarkus-run.jar})
     * @param workDir where its log ({@code registry.log}) and temporary files go
     */
    public static LocalRegistry start(Path app, Path workDir, Duration timeout) {
        LocalRegistry registry = launch(app, workDir);
        try {
            registry.awaitReady(timeout);
            return registry;
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    /** Starts the process without waiting: {@link #awaitReady} waits. */
    static LocalRegistry launch(Path app, Path workDir) {
        Path jar = app.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " is missing: build local-cluster (./mvnw package -pl local-cluster), which unpacks "
                    + "io.apicurio:apicurio-registry-app:" + VERSION + ":tar.gz:all there");
        }
        try {
            Path tmp = Files.createDirectories(workDir.resolve("registry-tmp"));
            Path log = workDir.resolve("registry.log");
            int port = EmbeddedKafka.freePort();
            List<String> command = new ArrayList<>(List.of(java().toString(),
                    "-Xmx512m", "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + tmp,
                    "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
                    "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=" + EmbeddedKafka.freePort(),
                    "-Dquarkus.http.access-log.enabled=false",
                    "-jar", jar.toString()));
            Process process = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            return new LocalRegistry(process, port, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the schema registry", e);
        }
    }

    /** The registry's core API (v3), what {@code apicurio.registry.url} takes. */
    public String url() {
        return "http://localhost:" + port + "/apis/registry/v3";
    }

    /** The Confluent-compatible API, for Confluent clients, kcat and the Python client. */
    public String ccompatUrl() {
        return "http://localhost:" + port + "/apis/ccompat/v7";
    }

    public Path log() {
        return log;
    }

    /** How long it took from launch to its first answer. */
    public Duration startedIn() {
        return startedIn;
    }

    void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newHttpClient();
        URI info = URI.create(url() + "/system/info");
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the schema registry exited with " + process.exitValue() + " (log " + log + "):\n"
                        + LocalCluster.tail(log));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(info).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    startedIn = Duration.ofNanos(System.nanoTime() - launchedAt);
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the schema registry started", e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the schema registry started", e);
            }
        }
        throw new IllegalStateException("the schema registry was not ready after " + timeout.toSeconds() + " s (log " + log + "):\n"
                + LocalCluster.tail(log));
    }

    /**
     * A {@code java} of version 21 or later (see the class comment), or an error naming what was
     * looked at.
     */
    public static Path java() {
        String configured = System.getProperty("ftval.registry.java", System.getenv("FTVAL_REGISTRY_JAVA"));
        if (configured != null && !configured.isBlank()) {
            Path given = Path.of(configured);
            Path java = Files.isDirectory(given) ? given.resolve("bin/java") : given;
            if (!Files.isExecutable(java)) {
                throw new IllegalStateException("ftval.registry.java / FTVAL_REGISTRY_JAVA names " + configured + ", which holds no java");
            }
            return java;
        }
        if (Runtime.version().feature() >= JAVA_NEEDED) {
            return Path.of(ProcessHandle.current().info().command().orElse("java"));
        }
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null && feature(Path.of(javaHome)).orElse(0) >= JAVA_NEEDED) {
            return Path.of(javaHome, "bin/java");
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> homes = Files.list(jvms)) {
                Optional<Path> newest = homes.filter(h -> Files.isExecutable(h.resolve("bin/java")))
                        .filter(h -> feature(h).orElse(0) >= JAVA_NEEDED)
                        .max(Comparator.comparingInt(h -> feature(h).orElse(0)));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin/java");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("Apicurio Registry " + VERSION + " is compiled for Java " + JAVA_NEEDED + " (class file 65); this JVM is "
                + Runtime.version().feature() + ", JAVA_HOME is " + javaHome + " and /usr/lib/jvm holds no JDK " + JAVA_NEEDED
                + " or later: set ftval.registry.java (or FTVAL_REGISTRY_JAVA) to one");
    }

    /** The feature release of the JDK at {@code home}, from its {@code release} file. */
    private static Optional<Integer> feature(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        try (var in = Files.newInputStream(release)) {
            Properties p = new Properties();
            p.load(in);
            String version = p.getProperty("JAVA_VERSION", "").replace("\"", "");
            String major = version.startsWith("1.") ? version.substring(2) : version;
            int end = 0;
            while (end < major.length() && Character.isDigit(major.charAt(end))) {
                end++;
            }
            return end == 0 ? Optional.empty() : Optional.of(Integer.parseInt(major.substring(0, end)));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        LocalCluster.stop(new LocalCluster.Service("registry", process, port, port, log));
    }
}
