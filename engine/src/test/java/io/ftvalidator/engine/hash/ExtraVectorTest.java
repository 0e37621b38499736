package io.ftvalidator.engine.hash;

import io.ftvalidator.hash.HashAlgorithm;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Image kinds beyond the golden vectors; see {@code extra/README.md} in the test resources. */
class ExtraVectorTest {

    static Stream<GoldenVectors.Vector> goImageHashVectors() throws URISyntaxException {
        return load("goimagehash-phash.txt");
    }

    static Stream<GoldenVectors.Vector> imageHashVectors() throws URISyntaxException {
        return load("imagehash-phash.txt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goImageHashVectors")
    void shouldMatchGoImageHashOnExtraImageKinds(GoldenVectors.Vector vector) throws Exception {
        long hash = PerceptualHash.hash(HashAlgorithm.GOIMAGEHASH, vector.image());

        assertThat(PerceptualHash.toHex(hash)).isEqualTo(vector.expectedHash());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("imageHashVectors")
    void shouldMatchImageHashOnExtraImageKinds(GoldenVectors.Vector vector) throws Exception {
        long hash = PerceptualHash.hash(HashAlgorithm.IMAGEHASH, vector.image());

        assertThat(PerceptualHash.toHex(hash)).isEqualTo(vector.expectedHash());
    }

    /** A list in the {@code extra/} test resources, whose images sit beside it. */
    private static Stream<GoldenVectors.Vector> load(String list) throws URISyntaxException {
        URL extra = ExtraVectorTest.class.getResource("extra");
        if (extra == null) {
            throw new IllegalStateException("missing test resource folder extra/");
        }
        Path dir = Path.of(extra.toURI());
        return GoldenVectors.load(dir.resolve(list), dir);
    }
}
