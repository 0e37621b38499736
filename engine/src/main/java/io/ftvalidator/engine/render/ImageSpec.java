package io.ftvalidator.engine.render;

import io.ftvalidator.render.RenderSettings;

/**
 * Which image to render: image {@code index} (0-based) of a validation with {@code seed}
 * (unsigned 64-bit), for {@code prompt}, with {@code settings}.
 */
public record ImageSpec(long seed, long index, String prompt, RenderSettings settings) {

    public ImageSpec {
        if (index < 0 || index > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("image index must be in [0, 2^32), got " + index);
        }
        if (prompt == null) {
            throw new IllegalArgumentException("a prompt is required");
        }
    }
}
