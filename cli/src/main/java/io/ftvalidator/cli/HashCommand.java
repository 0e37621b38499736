package io.ftvalidator.cli;

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

    @Option(names = "--algorithm", defaultValue = "goimagehash",
            description = "goimagehash (PerceptionHash, the reference network's) or imagehash (Python imagehash.phash); default: ${DEFAULT-VALUE}")
    String algorithm;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "PNG or JPEG files")
    List<Path> files;

    @Override
    public Integer call() {
        HashAlgorithm hash = HashAlgorithm.fromCliName(algorithm);
        int status = 0;
        for (Path file : files) {
            try {
                spec.commandLine().getOut().println(file + " " + PerceptualHash.toHex(PerceptualHash.hash(hash, file)));
            } catch (ImageFormatException | IOException e) {
                spec.commandLine().getErr().println("ftval: " + file + ": " + e.getMessage());
                status = Ftval.FAILED;
            }
        }
        return status;
    }
}
