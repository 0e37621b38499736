package io.ftvalidator.engine.hash;

import io.ftvalidator.hash.HashAlgorithm;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GoldenVectorTest {

    static Stream<GoldenVectors.Vector> goImageHashVectors() {
        return GoldenVectors.load("goimagehash-phash.txt");
    }

    static Stream<GoldenVectors.Vector> imageHashVectors() {
        return GoldenVectors.load("imagehash-phash.txt");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goImageHashVectors")
    void shouldReproduceGoImageHashGoldenVector(GoldenVectors.Vector vector) throws Exception {
        long hash = PerceptualHash.hash(HashAlgorithm.GOIMAGEHASH, vector.image());

        assertThat(PerceptualHash.toHex(hash)).isEqualTo(vector.expectedHash());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("imageHashVectors")
    void shouldReproduceImageHashGoldenVector(GoldenVectors.Vector vector) throws Exception {
        long hash = PerceptualHash.hash(HashAlgorithm.IMAGEHASH, vector.image());

        assertThat(PerceptualHash.toHex(hash)).isEqualTo(vector.expectedHash());
    }
}
