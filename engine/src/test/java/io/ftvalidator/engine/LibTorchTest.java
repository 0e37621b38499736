package io.ftvalidator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** libtorch's own settings, read back from the loaded library. */
class LibTorchTest {

    @Test
    void shouldTurnNnpackOffOnceTheEngineIsLoaded() {
        EngineSetup.engine();
        // off: no convolution asks whether NNPACK can start, so none logs that it cannot
        assertThat(LibTorch.nnpackEnabled()).isFalse();
    }

    @Test
    void shouldReadLogLevelsAsC10Numbers() {
        assertThat(LibTorch.level("info")).contains(0);
        assertThat(LibTorch.level("WARNING")).contains(1);
        assertThat(LibTorch.level(" error ")).contains(2);
        assertThat(LibTorch.level("3")).contains(3);
        assertThat(LibTorch.level(null)).isEqualTo(Optional.empty());
    }

    @Test
    void shouldRefuseAnUnknownLogLevelNamingTheAcceptedOnes() {
        assertThatThrownBy(() -> LibTorch.level("loud"))
                .isInstanceOf(EngineException.class)
                .hasMessage("ftval.torch.log-level must be INFO, WARNING, ERROR or FATAL (or 0 to 3), got 'loud'");
    }

    @Test
    void shouldKeepLibtorchsLogThresholdInItsRange() {
        EngineSetup.engine();
        assertThat(LibTorch.logLevel()).isBetween(0, 3);
    }
}
