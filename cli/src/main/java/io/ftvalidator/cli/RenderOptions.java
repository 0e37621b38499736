package io.ftvalidator.cli;

import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.render.Sampler;
import picocli.CommandLine.Option;

/** The render settings of docs/rendering.md as options. */
final class RenderOptions {

    @Option(names = "--sampler", defaultValue = "dpm++", description = "dpm++ or ddim (default: ${DEFAULT-VALUE})")
    String sampler;

    @Option(names = "--steps", defaultValue = "30", description = "inference steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--guidance", defaultValue = "7.5", description = "classifier-free guidance scale (default: ${DEFAULT-VALUE})")
    double guidance;

    @Option(names = "--width", defaultValue = "0", description = "image width (default: the model's)")
    int width;

    @Option(names = "--height", defaultValue = "0", description = "image height (default: the model's)")
    int height;

    @Option(names = "--negative-prompt", defaultValue = "", description = "the unconditional prompt (default: empty)")
    String negativePrompt;

    RenderSettings settings() {
        return new RenderSettings(Sampler.parse(sampler), steps, guidance, width, height, negativePrompt);
    }
}
