package io.ftvalidator.engine.render;

import java.util.EnumMap;
import java.util.Map;

/**
 * Where a render's time goes, stage by stage, summed over the renders it is given to. On the CPU
 * every libtorch call is finished when it returns, so wall time per stage is the stage's cost; on a
 * GPU the figures would be launch times only.
 */
public final class RenderProfile {

    /** The stages of a render, in their order (docs/rendering.md). */
    public enum Stage {
        TOKENIZE("tokenize"),
        TEXT_ENCODE("text_encode"),
        UNET("unet"),
        GUIDANCE_AND_STEP("guidance_and_step"),
        VAE_DECODE("vae_decode"),
        QUANTIZE("quantize");

        private final String id;

        Stage(String id) {
            this.id = id;
        }

        /** The stage's name, as the Python reference's {@code --profile} prints it. */
        public String id() {
            return id;
        }
    }

    /** Records nothing: the renders that nobody profiles. */
    public static final RenderProfile OFF = new RenderProfile(false);

    private final boolean on;
    private final long[] nanos = new long[Stage.values().length];

    private RenderProfile(boolean on) {
        this.on = on;
    }

    public RenderProfile() {
        this(true);
    }

    /** Adds the time since {@code startNanos} to {@code stage}; returns now, the next stage's start. */
    long add(Stage stage, long startNanos) {
        long now = System.nanoTime();
        if (on) {
            nanos[stage.ordinal()] += now - startNanos;
        }
        return now;
    }

    /** Milliseconds per stage, in stage order. */
    public Map<Stage, Double> millis() {
        Map<Stage, Double> out = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            out.put(s, nanos[s.ordinal()] / 1e6);
        }
        return out;
    }
}
