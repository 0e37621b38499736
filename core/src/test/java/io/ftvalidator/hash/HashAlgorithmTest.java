package io.ftvalidator.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HashAlgorithmTest {

    @Test
    void shouldParseLowerCaseCliNames() {
        assertThat(HashAlgorithm.fromCliName("goimagehash")).isEqualTo(HashAlgorithm.GOIMAGEHASH);
        assertThat(HashAlgorithm.fromCliName("imagehash")).isEqualTo(HashAlgorithm.IMAGEHASH);
        assertThat(HashAlgorithm.fromCliName(" ImageHash ")).isEqualTo(HashAlgorithm.IMAGEHASH);
        assertThat(HashAlgorithm.GOIMAGEHASH.cliName()).isEqualTo("goimagehash");
        assertThat(HashAlgorithm.IMAGEHASH).hasToString("imagehash");
    }

    @Test
    void shouldNameTheAcceptedAlgorithmsForAnUnknownName() {
        assertThatThrownBy(() -> HashAlgorithm.fromCliName("dhash"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown hash algorithm 'dhash' (expected one of: goimagehash, imagehash)");
    }
}
