package io.ftvalidator.engine.hash;

import io.ftvalidator.engine.Fixtures;
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

    /** {@code fixtures/phash-vectors}. */
    static Path directory() {
        return Fixtures.root().resolve("phash-vectors");
    }

    /** The vectors of one reference: {@code goimagehash-phash.txt} or {@code imagehash-phash.txt}. */
    static Stream<Vector> load(String listFile) {
        Path dir = directory();
        return load(dir.resolve(listFile), dir.resolve("images"));
    }

    /** The vectors listed in {@code listFile}, one "image hash" per line, images in {@code images}. */
    static Stream<Vector> load(Path listFile, Path images) {
        try {
            List<String> lines = Files.readAllLines(listFile);
            return lines.stream()
                    .map(String::trim)
                    .filter(line -> !line.isEmpty())
                    .map(line -> line.split("\\s+"))
                    .map(parts -> new Vector(images.resolve(parts[0]), parts[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
