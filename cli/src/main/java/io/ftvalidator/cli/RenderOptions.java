package io.ftvalidator.cli;

import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.render.Sampler;
import picocli.CommandLine.Option;

/** The render settings of docs/rendering.md as options; their defaults are core's (CliDefaults). */
final class RenderOptions {

    @Option(names = "--sampler", description = "dpm++ or ddim (default: ${DEFAULT-VALUE})")
    String sampler;

    @Option(names = "--steps", description = "inference steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--guidance", description = "classifier-free guidance scale (default: ${DEFAULT-VALUE})")
    double guidance;

    @Option(names = "--width", description = "image width, 0 for the model's (default: ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--height", description = "image height, 0 for the model's (default: ${DEFAULT-VALUE})")
    int height;

    @Option(names = "--negative-prompt", description = "the unconditional prompt (default: none)")
    String negativePrompt;

    RenderSettings settings() {
        return new RenderSettings(Sampler.parse(sampler), steps, guidance, width, height, negativePrompt);
    }
}
