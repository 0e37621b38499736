package io.ftvalidator.engine.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Image kinds beyond the golden vectors; see {@code extra/README.md} in the test resources. */
class ExtraVectorTest {

    record Vector(String file, String expectedHash) {
        @Override
        public String toString() {
            return file;
        }
    }

    static Stream<Vector> goImageHashVectors() {
        return load("goimagehash-phash.txt");
    }

    static Stream<Vector> imageHashVectors() {
        return load("imagehash-phash.txt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goImageHashVectors")
    void shouldMatchGoImageHashOnExtraImageKinds(Vector vector) throws Exception {
        long hash = PerceptualHash.hash(HashAlgorithm.GOIMAGEHASH, read(vector.file()));

        assertThat(PerceptualHash.toHex(hash)).isEqualTo(vector.expectedHash());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("imageHashVectors")
    void shouldMatchImageHashOnExtraImageKinds(Vector vector) throws Exception {
        long hash = PerceptualHash.hash(HashAlgorithm.IMAGEHASH, read(vector.file()));

        assertThat(PerceptualHash.toHex(hash)).isEqualTo(vector.expectedHash());
    }

    private static Stream<Vector> load(String list) {
        List<String> lines = Arrays.asList(new String(read(list), StandardCharsets.US_ASCII).split("\n"));
        return lines.stream()
                .map(String::trim)
                .filter(line -> !line.isEmpty())
                .map(line -> line.split("\\s+"))
                .map(parts -> new Vector(parts[0], parts[1]));
    }

    private static byte[] read(String name) {
        try (InputStream in = ExtraVectorTest.class.getResourceAsStream("extra/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource extra/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
