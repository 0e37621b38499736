package io.ftvalidator.coordinator.intake;

import io.ftvalidator.noise.PortableNoise;
import io.ftvalidator.schemas.ValidationRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The prompt of each image of a validation: given prompts in turn, or drawn from a pool with the
 * validation seed by the portable generator (docs/rendering.md, prompt draw).
 */
public final class Prompts {

    private Prompts() {}

    public static List<String> resolve(ValidationRequest request, List<String> defaultPool) {
        List<String> out = new ArrayList<>(request.getImages());
        if (!request.getPrompts().isEmpty()) {
            for (int i = 0; i < request.getImages(); i++) {
                out.add(request.getPrompts().get(i % request.getPrompts().size()));
            }
            return out;
        }
        List<String> pool = request.getPromptPool().isEmpty() ? defaultPool : request.getPromptPool();
        for (int i = 0; i < request.getImages(); i++) {
            out.add(pool.get(PortableNoise.promptChoice(request.getSeed(), i, pool.size())));
        }
        return out;
    }
}
