package io.ftvalidator.engine.render;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;

/**
 * How an image is rendered, beyond the model, seed, index and prompt (docs/rendering.md). A width
 * or height of 0 means the VAE's default size.
 */
public record RenderSettings(
        Sampler sampler, int steps, double guidance, int width, int height, String negativePrompt) {

    /** The reference network's validation settings: DPM-Solver++ at 30 steps, guidance 7.5. */
    public static final RenderSettings DEFAULTS = new RenderSettings(Sampler.DPM_SOLVER_PP, 30, 7.5, 0, 0, "");

    public RenderSettings {
        if (sampler == null) {
            throw bad("a sampler is required");
        }
        if (steps < 1 || steps > 1000) {
            throw bad("steps must be in 1..1000, got " + steps);
        }
        if (!Double.isFinite(guidance) || guidance < 0 || guidance > 100) {
            throw bad("guidance must be in 0..100, got " + guidance);
        }
        if (width < 0 || height < 0 || width > 4096 || height > 4096) {
            throw bad("width and height must be in 0..4096 (0: the model's default), got " + width + "x" + height);
        }
        if (negativePrompt == null) {
            negativePrompt = "";
        }
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

    private static EngineException bad(String message) {
        return new EngineException(Kind.BAD_INPUT, message);
    }
}
