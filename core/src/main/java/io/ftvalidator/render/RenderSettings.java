package io.ftvalidator.render;

import io.ftvalidator.validation.Limits;
import java.util.ArrayList;
import java.util.List;

/**
 * How an image is rendered, beyond the model, seed, index and prompt (docs/rendering.md). A width
 * or height of 0 means the model's default size. The one home of the render defaults
 * ({@link #DEFAULTS}) and, with {@link Limits}, of what a setting may be ({@link #problems}).
 */
public record RenderSettings(
        Sampler sampler, int steps, double guidance, int width, int height, String negativePrompt) {

    /** The reference network's validation settings: DPM-Solver++ at 30 steps, guidance 7.5, the model's size. */
    public static final RenderSettings DEFAULTS = new RenderSettings(Sampler.DPM_SOLVER_PP, 30, 7.5, 0, 0, "");

    /** @throws IllegalArgumentException listing every problem */
    public RenderSettings {
        if (negativePrompt == null) {
            negativePrompt = "";
        }
        List<String> problems = problems(sampler == null ? null : sampler.id(), steps, guidance, width, height);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /**
     * Every problem of these settings, named as a request names them ({@code settings.steps must
     * be ...} reads as {@code steps must be ...} without the prefix): the coordinator answers them
     * all at once, the constructor refuses the first.
     *
     * @param sampler the sampler's name, as a request gives it
     */
    public static List<String> problems(String sampler, int steps, double guidance, int width, int height) {
        List<String> problems = new ArrayList<>();
        try {
            Sampler.parse(sampler);
        } catch (IllegalArgumentException e) {
            problems.add("sampler must be " + Sampler.names() + ", got '" + sampler + "'");
        }
        if (steps < 1 || steps > Limits.MAX_STEPS) {
            problems.add("steps must be in 1.." + Limits.MAX_STEPS + ", got " + steps);
        }
        if (!(guidance >= 0 && guidance <= Limits.MAX_GUIDANCE)) {
            problems.add("guidance must be in 0.." + (int) Limits.MAX_GUIDANCE + ", got " + guidance);
        }
        if (width < 0 || height < 0 || width > Limits.MAX_SIZE || height > Limits.MAX_SIZE) {
            problems.add("width and height must be in 0.." + Limits.MAX_SIZE + " (0: the model's default), got " + width + "x" + height);
        }
        return problems;
    }

    public RenderSettings withSteps(int value) {
        return new RenderSettings(sampler, value, guidance, width, height, negativePrompt);
    }

    public RenderSettings withSampler(Sampler value) {
        return new RenderSettings(value, steps, guidance, width, height, negativePrompt);
    }

    public RenderSettings withGuidance(double value) {
        return new RenderSettings(sampler, steps, value, width, height, negativePrompt);
    }

    public RenderSettings withSize(int w, int h) {
        return new RenderSettings(sampler, steps, guidance, w, h, negativePrompt);
    }

    public RenderSettings withNegativePrompt(String value) {
        return new RenderSettings(sampler, steps, guidance, width, height, value);
    }

    /** Classifier-free guidance runs an unconditional pass only above 1. */
    public boolean guided() {
        return guidance > 1.0;
    }
}
