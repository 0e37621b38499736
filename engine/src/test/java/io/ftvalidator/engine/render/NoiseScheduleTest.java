package io.ftvalidator.engine.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ftvalidator.engine.bundle.SchedulerConfig;
import io.ftvalidator.render.Sampler;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Expected values computed with numpy exactly as diffusers does (docs/rendering.md section 3). */
class NoiseScheduleTest {

    private static NoiseSchedule sd15(String spacing) {
        return new NoiseSchedule(new SchedulerConfig(1000, 0.00085, 0.012, "scaled_linear", "epsilon", 1,
                Optional.ofNullable(spacing), false));
    }

    @Test
    void shouldComputeTheScaledLinearAlphasCumprod() {
        NoiseSchedule s = sd15(null);
        assertThat(s.alphaCumprod(0)).isEqualTo(0.99915, within(1e-15));
        assertThat(s.alphaCumprod(500)).isEqualTo(0.2763326838229746, within(1e-15));
        assertThat(s.alphaCumprod(999)).isEqualTo(0.004660098513077238, within(1e-15));
    }

    @Test
    void shouldUseEachSamplersDiffusersDefaultSpacing() {
        // DPM-Solver++ defaults to linspace, DDIM to leading (+ steps_offset 1)
        assertThat(sd15(null).timesteps(Sampler.DPM_SOLVER_PP, 7)).containsExactly(999, 856, 714, 571, 428, 285, 143);
        assertThat(sd15(null).timesteps(Sampler.DDIM, 7)).containsExactly(853, 711, 569, 427, 285, 143, 1);
    }

    @Test
    void shouldSpaceThirtyStepsAsDiffusers() {
        assertThat(sd15("linspace").timesteps(Sampler.DPM_SOLVER_PP, 30)).containsExactly(
                999, 966, 932, 899, 866, 832, 799, 766, 733, 699, 666, 633, 599, 566, 533,
                499, 466, 433, 400, 366, 333, 300, 266, 233, 200, 166, 133, 100, 67, 33);
        assertThat(sd15("linspace").timesteps(Sampler.DDIM, 30)).containsExactly(
                999, 965, 930, 896, 861, 827, 792, 758, 723, 689, 655, 620, 586, 551, 517,
                482, 448, 413, 379, 344, 310, 276, 241, 207, 172, 138, 103, 69, 34, 0);
        assertThat(sd15("trailing").timesteps(Sampler.DDIM, 30)).containsExactly(
                999, 966, 932, 899, 866, 832, 799, 766, 732, 699, 666, 632, 599, 566, 532,
                499, 466, 432, 399, 366, 332, 299, 266, 232, 199, 166, 132, 99, 66, 32);
        assertThat(sd15("leading").timesteps(Sampler.DPM_SOLVER_PP, 30)).startsWith(961, 929, 897).endsWith(65, 33);
        assertThat(sd15("leading").timesteps(Sampler.DDIM, 30)).startsWith(958, 925, 892).endsWith(34, 1);
    }

    @Test
    void shouldReproduceNumpyLinspace() {
        assertThat(NoiseSchedule.linspace(0, 999, 31)[30]).isEqualTo(999.0);
        assertThat(NoiseSchedule.linspace(0, 1, 3)).containsExactly(0.0, 0.5, 1.0);
        assertThat(NoiseSchedule.linspace(5, 5, 1)).containsExactly(5.0);
    }
}
