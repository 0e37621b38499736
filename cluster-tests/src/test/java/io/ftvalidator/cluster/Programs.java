package io.ftvalidator.cluster;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the clients in other languages from the tests: the Python client (python/clients, Debian's
 * python3-confluent-kafka and python3-avro) and kcat (Debian's kcat). A test is skipped, with the
 * package to install, only where that Debian package is missing; .ci/run installs them.
 */
final class Programs {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path CLIENT = TestCluster.HOME.resolve("python/clients/ftval_client.py");

    record Result(int exit, String out, String err) {
        String describe() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Programs() {}

    static void assumePythonClient() throws IOException {
        boolean ok = Files.isExecutable(PYTHON)
                && run(List.of(PYTHON.toString(), "-c", "import confluent_kafka, avro.io"), Duration.ofSeconds(60)).exit() == 0;
        assumeThat(ok).as("%s with confluent_kafka and avro (apt-get install python3-confluent-kafka python3-avro)", PYTHON).isTrue();
    }

    static void assumeKcat() throws IOException {
        assumeThat(kcatVersion("kcat").isPresent()).as("kcat on the PATH (apt-get install kcat)").isTrue();
    }

    /**
     * A kcat built with Avro support: {@code FTVAL_KCAT} if set, else the kcat on the PATH if its
     * build has Avro (Debian's has not: it is built without libserdes).
     */
    static Optional<String> avroKcat() throws IOException {
        String configured = System.getenv("FTVAL_KCAT");
        String kcat = configured != null && !configured.isBlank() ? configured : "kcat";
        return kcatVersion(kcat).filter(v -> v.contains("Avro")).map(v -> kcat);
    }

    private static Optional<String> kcatVersion(String kcat) throws IOException {
        try {
            Result r = run(List.of(kcat, "-V"), Duration.ofSeconds(30));
            return r.exit() == 0 ? Optional.of(r.out() + r.err()) : Optional.empty();
        } catch (IOException notThere) {
            return Optional.empty();
        }
    }

    /** The Python client with {@code args}. */
    static Result pythonClient(List<String> args, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), CLIENT.toString()));
        command.addAll(args);
        return run(command, timeout);
    }

    /** A shell pipeline, under {@code set -o pipefail}. */
    static Result shell(String pipeline, Duration timeout) throws IOException {
        return run(List.of("bash", "-c", "set -euo pipefail; " + pipeline), timeout);
    }

    /** Runs a command from the repository root; its output goes to files, so the timeout holds. */
    static Result run(List<String> command, Duration timeout) throws IOException {
        Path out = Files.createTempFile("program-", ".out");
        Path err = Files.createTempFile("program-", ".err");
        try {
            Process p = new ProcessBuilder(command).directory(TestCluster.HOME.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(command + " did not finish in " + timeout.toSeconds() + " s; stderr:\n" + Files.readString(err));
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
