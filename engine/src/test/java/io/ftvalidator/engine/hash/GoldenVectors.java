package io.ftvalidator.engine.hash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The golden vectors in {@code fixtures/phash-vectors/} at the repository root. */
final class GoldenVectors {

    /** One image and the hash a reference implementation computes for it. */
    record Vector(Path image, String expectedHash) {
        @Override
        public String toString() {
            return image.getFileName().toString();
        }
    }

    private GoldenVectors() {
    }

    /** {@code fixtures/phash-vectors}, found by walking up from the working directory. */
    static Path directory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("fixtures").resolve("phash-vectors");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no fixtures/phash-vectors above " + Path.of("").toAbsolutePath());
    }

    /** The vectors of one reference: {@code goimagehash-phash.txt} or {@code imagehash-phash.txt}. */
    static Stream<Vector> load(String listFile) {
        Path dir = directory();
        try {
            List<String> lines = Files.readAllLines(dir.resolve(listFile));
            return lines.stream()
                    .map(String::trim)
                    .filter(line -> !line.isEmpty())
                    .map(line -> line.split("\\s+"))
                    .map(parts -> new Vector(dir.resolve("images").resolve(parts[0]), parts[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
