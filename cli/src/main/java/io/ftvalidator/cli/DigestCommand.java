package io.ftvalidator.cli;

import io.ftvalidator.engine.bundle.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "digest", description = "Writes a folder's SHA256SUMS (bundle or LoRA adapter folder) and prints its digest; for a file, prints its SHA-256.")
final class DigestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--check", description = "only print the digest of an existing SHA256SUMS, write nothing")
    boolean check;

    @Parameters(paramLabel = "PATH")
    Path path;

    @Option(names = "--json", description = "print {path, sha256} as JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        String digest;
        if (Files.isDirectory(path)) {
            Path sums = path.resolve(Manifest.FILE_NAME);
            if (check) {
                if (!Files.isRegularFile(sums)) {
                    throw new IllegalArgumentException(path + " has no " + Manifest.FILE_NAME);
                }
                Manifest manifest = Manifest.parse(Files.readAllBytes(sums), path.toString());
                manifest.verify(path, path.toString());
                digest = manifest.digest();
            } else {
                Manifest manifest = Manifest.compute(path);
                Files.write(sums, manifest.bytes());
                digest = manifest.digest();
            }
        } else if (Files.isRegularFile(path)) {
            digest = io.ftvalidator.engine.bundle.Digests.sha256(path);
        } else {
            throw new IllegalArgumentException(path + ": no such file or directory");
        }
        if (json) {
            spec.commandLine().getOut().println(CoordinatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                    CoordinatorClient.JSON.createObjectNode().put("path", path.toString()).put("sha256", digest)));
        } else {
            spec.commandLine().getOut().println(path + "#sha256=" + digest);
        }
        return 0;
    }
}
