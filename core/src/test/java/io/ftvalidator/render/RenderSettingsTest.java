package io.ftvalidator.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RenderSettingsTest {

    @Test
    void shouldDefaultToTheReferenceNetworksSettings() {
        assertThat(RenderSettings.DEFAULTS).isEqualTo(new RenderSettings(Sampler.DPM_SOLVER_PP, 30, 7.5, 0, 0, ""));
        assertThat(RenderSettings.DEFAULTS.guided()).isTrue();
        assertThat(RenderSettings.DEFAULTS.withGuidance(1.0).guided()).isFalse();
    }

    @Test
    void shouldRefuseEveryOutOfRangeSettingAtOnce() {
        assertThatThrownBy(() -> new RenderSettings(null, 1001, Double.NaN, -8, 64, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sampler must be dpm++ or ddim, got 'null'; steps must be in 1..1000, got 1001; "
                        + "guidance must be in 0..100, got NaN; width and height must be in 0..4096 (0: the model's default), got -8x64");
    }

    @Test
    void shouldAcceptTheLimitsThemselves() {
        RenderSettings s = new RenderSettings(Sampler.DDIM, 1000, 100, 4096, 4096, null);
        assertThat(s.negativePrompt()).isEmpty();
        assertThat(new RenderSettings(Sampler.DDIM, 1, 0, 0, 0, "").steps()).isEqualTo(1);
    }

    @Test
    void shouldParseSamplersByTheirNames() {
        assertThat(Sampler.parse("DPM++")).isEqualTo(Sampler.DPM_SOLVER_PP);
        assertThat(Sampler.parse("ddim")).isEqualTo(Sampler.DDIM);
        assertThatThrownBy(() -> Sampler.parse("euler")).hasMessage("unknown sampler 'euler': use dpm++ or ddim");
    }
}
