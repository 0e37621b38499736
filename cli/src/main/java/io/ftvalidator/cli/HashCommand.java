package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.hash.ImageFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "hash", description = "Prints 'FILE HASH' per image: a 64-bit perceptual hash as 16 hex digits.")
final class HashCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--algorithm",
            description = "goimagehash (PerceptionHash, the reference network's) or imagehash (Python imagehash.phash); default: ${DEFAULT-VALUE}")
    String algorithm;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "PNG or JPEG files")
    List<Path> files;

    @Option(names = "--json", description = "print a JSON array: {file, hash} per image, {file, error} for one that cannot be hashed")
    boolean json;

    @Override
    public Integer call() throws IOException {
        HashAlgorithm hash = HashAlgorithm.fromCliName(algorithm);
        int status = 0;
        ArrayNode results = CoordinatorClient.JSON.createArrayNode();
        for (Path file : files) {
            try {
                String hex = PerceptualHash.toHex(PerceptualHash.hash(hash, file));
                if (json) {
                    results.addObject().put("file", file.toString()).put("hash", hex);
                } else {
                    spec.commandLine().getOut().println(file + " " + hex);
                }
            } catch (ImageFormatException | IOException e) {
                spec.commandLine().getErr().println("ftval: " + file + ": " + e.getMessage());
                results.addObject().put("file", file.toString()).put("error", e.getMessage());
                status = Ftval.FAILED;
            }
        }
        if (json) {
            spec.commandLine().getOut().println(CoordinatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        }
        return status;
    }
}
