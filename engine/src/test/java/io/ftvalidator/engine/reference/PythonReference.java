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
final class PythonReference {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    record Result(int exit, String output) {}

    private PythonReference() {}

    static Path home() {
        return Fixtures.root().getParent();
    }

    static void assumeAvailable() {
        boolean ok;
        try {
            ok = Files.isExecutable(PYTHON) && run(List.of("-c", "import torch, numpy, PIL"), 120).exit() == 0;
        } catch (IOException e) {
            ok = false;
        }
        assumeThat(ok).as("%s with torch, numpy and PIL (apt-get install python3-torch python3-numpy python3-pil)", PYTHON).isTrue();
    }

    static Result run(List<String> args, long timeoutSeconds) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(PYTHON.toString());
        command.addAll(args);
        Process p = new ProcessBuilder(command).directory(home().toFile()).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
