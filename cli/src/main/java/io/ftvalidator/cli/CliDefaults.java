package io.ftvalidator.cli;

import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.validation.Defaults;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The defaults of the options that mean what a request's fields mean, read from core's one home
 * ({@link Defaults}, {@link RenderSettings#DEFAULTS}) so that the command line, the REST intake and
 * the contract never disagree. An option with its own {@code defaultValue} (the demo's image count)
 * keeps it.
 */
final class CliDefaults implements IDefaultValueProvider {

    @Override
    public String defaultValue(ArgSpec arg) {
        // picocli asks the provider first: an option with a default of its own keeps it
        if (!(arg instanceof OptionSpec option) || option.defaultValue() != null) {
            return null;
        }
        RenderSettings render = Defaults.RENDER;
        return switch (option.longestName()) {
            case "--sampler" -> render.sampler().id();
            case "--steps" -> Integer.toString(render.steps());
            case "--guidance" -> Double.toString(render.guidance());
            case "--width" -> Integer.toString(render.width());
            case "--height" -> Integer.toString(render.height());
            case "--negative-prompt" -> render.negativePrompt();
            case "--images" -> Integer.toString(Defaults.IMAGES);
            case "--rule" -> Defaults.RULE.id();
            case "--algorithm" -> Defaults.HASH.cliName();
            case "--deadline" -> Long.toString(Defaults.DEADLINE.toSeconds());
            default -> null;
        };
    }
}
