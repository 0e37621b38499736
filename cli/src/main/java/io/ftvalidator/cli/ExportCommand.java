package io.ftvalidator.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Runs python/export_bundle.py (docs/model-bundle.md, "Exporting a real SD 1.x model"): the export
 * needs PyTorch, which the Java side does not carry.
 */
@Command(name = "export", description = "Exports an SD 1.x diffusers folder or single-file checkpoint (.safetensors, .ckpt) into a bundle and prints its digest (runs python/export_bundle.py).")
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "diffusers folder, or single-file LDM checkpoint")
    Path source;

    @Parameters(index = "1", paramLabel = "OUT", description = "bundle folder to write (replaced if it exists)")
    Path out;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float16 weights (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--tokenizer", description = "folder with CLIP's vocab.json and merges.txt (single-file sources)")
    Path tokenizer;

    @Option(names = "--config-dir", description = "diffusers-layout folder with the configs of a single-file source (default: SD 1.5's)")
    Path configDir;

    @Option(names = "--variant", description = "weights variant of a diffusers folder, e.g. fp16")
    String variant;

    @Option(names = "--threads", defaultValue = "0", description = "torch threads (default: torch's)")
    int threads;

    @Option(names = "--python", description = "a python with torch and numpy (default: $FTVAL_PYTHON or /usr/bin/python3)")
    Path python;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!dtype.equals("float32") && !dtype.equals("float16")) {
            throw new IllegalArgumentException("--dtype must be float32 or float16, not " + dtype);
        }
        Path exporter = Home.path().resolve("python").resolve("export_bundle.py");
        Path interpreter = python != null ? python : Path.of(System.getenv().getOrDefault("FTVAL_PYTHON", "/usr/bin/python3"));
        if (!Files.isExecutable(interpreter)) {
            throw new IllegalArgumentException(interpreter + " is not an executable python (give --python or FTVAL_PYTHON)");
        }
        List<String> command = new ArrayList<>(List.of(interpreter.toString(), exporter.toString(),
                source.toAbsolutePath().toString(), out.toAbsolutePath().toString(), "--dtype", dtype, "--threads", Integer.toString(threads)));
        if (tokenizer != null) {
            command.addAll(List.of("--tokenizer", tokenizer.toAbsolutePath().toString()));
        }
        if (configDir != null) {
            command.addAll(List.of("--config-dir", configDir.toAbsolutePath().toString()));
        }
        if (variant != null) {
            command.addAll(List.of("--variant", variant));
        }
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        PrintWriter err = spec.commandLine().getErr();
        List<String> errors = new ArrayList<>();
        Thread progress = new Thread(() -> relay(process, err, errors), "export-progress");
        progress.start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int exit = process.waitFor();
        progress.join();
        if (exit != 0) {
            throw new IllegalArgumentException(errors.isEmpty()
                    ? "the exporter failed (exit " + exit + ")"
                    : String.join("; ", errors));
        }
        String digest = stdout.lines().reduce((a, b) -> b).orElse("");
        spec.commandLine().getOut().println(out + "#sha256=" + digest);
        return 0;
    }

    /** Progress lines go to stderr as they come; "error: ..." lines become the failure message. */
    private static void relay(Process process, PrintWriter err, List<String> errors) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("error: ")) {
                    errors.add(line.substring("error: ".length()));
                } else {
                    err.println(line);
                }
            }
        } catch (IOException e) {
            err.println("ftval: lost the exporter's output: " + e.getMessage());
        }
    }
}
