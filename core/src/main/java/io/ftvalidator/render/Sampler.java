package io.ftvalidator.render;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The samplers a render can use, by the names requests and the command line give them (docs/rendering.md). */
public enum Sampler {
    /** DPM-Solver++ 2M, the reference network's default. */
    DPM_SOLVER_PP("dpm++"),
    /** DDIM with eta 0. */
    DDIM("ddim");

    private final String id;

    Sampler(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The accepted names, for messages: {@code dpm++ or ddim}. */
    public static String names() {
        return Arrays.stream(values()).map(Sampler::id).collect(Collectors.joining(" or "));
    }

    /**
     * The sampler with this name (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted names, for any other
     */
    public static Sampler parse(String text) {
        String wanted = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(s -> s.id.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown sampler '" + text + "': use " + names()));
    }

    @Override
    public String toString() {
        return id;
    }
}
