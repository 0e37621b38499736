package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code ./ftval hash} prints every golden vector, for both algorithms, in the reference's format. */
class HashCommandTest {

    @ParameterizedTest
    @CsvSource({"goimagehash, goimagehash-phash.txt", "imagehash, imagehash-phash.txt"})
    void shouldPrintEveryGoldenHash(String algorithm, String golden) throws IOException {
        Path vectors = CommandLineErrorsTest.fixtures().resolve("phash-vectors");
        List<String> expected = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of("hash", "--algorithm", algorithm));
        for (String line : Files.readAllLines(vectors.resolve(golden))) {
            if (line.isBlank()) {
                continue;
            }
            String[] parts = line.split(" ");
            Path file = vectors.resolve("images").resolve(parts[0]);
            args.add(file.toString());
            expected.add(file + " " + parts[1]);
        }
        CommandLineErrorsTest.Run run = CommandLineErrorsTest.ftval(args.toArray(String[]::new));
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.out().lines()).containsExactlyElementsOf(expected);
        assertThat(expected).hasSize(120);
    }
}
