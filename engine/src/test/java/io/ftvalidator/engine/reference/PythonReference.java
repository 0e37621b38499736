package io.ftvalidator.engine.reference;

import static org.assertj.core.api.Assumptions.assumeThat;

import io.ftvalidator.engine.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python reference (python/, Debian's python3-torch) from the tests. Where
 * /usr/bin/python3 cannot import torch, numpy and PIL the caller's test is skipped with the
 * reason; .ci/run installs them, so CI always runs these tests.
 */
public final class PythonReference {

    public static final Path PYTHON = Path.of("/usr/bin/python3");

    public record Result(int exit, String output) {}

    private PythonReference() {}

    public static Path home() {
        return Fixtures.root().getParent();
    }

    /** Whether python starts and imports torch, numpy and PIL: probed once per JVM. */
    private static Boolean available;

    public static synchronized void assumeAvailable() {
        if (available == null) {
            try {
                available = Files.isExecutable(PYTHON) && run(List.of("-c", "import torch, numpy, PIL"), 120).exit() == 0;
            } catch (IOException e) {
                available = false;
            }
        }
        assumeThat(available).as("%s with torch, numpy and PIL (apt-get install python3-torch python3-numpy python3-pil)", PYTHON).isTrue();
    }

    /**
     * Runs python with {@code args} from the repository root. Its output goes to a temporary file,
     * so the process cannot block on a full pipe and the timeout holds; on timeout it is killed.
     */
    public static Result run(List<String> args, long timeoutSeconds) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(PYTHON.toString());
        command.addAll(args);
        Path output = Files.createTempFile("python-reference-", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(home().toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(command + " did not finish in " + timeoutSeconds + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            return new Result(p.exitValue(), new String(Files.readAllBytes(output), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
