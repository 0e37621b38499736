package io.ftvalidator.engine.render;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.util.Arrays;
import java.util.Locale;

/** The samplers a render can use, by the names requests and the CLI give them. */
public enum Sampler {
    /** DPM-Solver++ 2M, the reference network's default. */
    DPM_SOLVER_PP("dpm++", "linspace"),
    /** DDIM with eta 0. */
    DDIM("ddim", "leading");

    private final String id;
    private final String defaultSpacing;

    Sampler(String id, String defaultSpacing) {
        this.id = id;
        this.defaultSpacing = defaultSpacing;
    }

    public String id() {
        return id;
    }

    /** diffusers' class default, used when the scheduler config names no timestep_spacing. */
    String defaultSpacing() {
        return defaultSpacing;
    }

    public static Sampler parse(String text) {
        String wanted = text.toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(s -> s.id.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new EngineException(
                        Kind.BAD_INPUT, "unknown sampler '" + text + "': use dpm++ or ddim"));
    }

    @Override
    public String toString() {
        return id;
    }
}
