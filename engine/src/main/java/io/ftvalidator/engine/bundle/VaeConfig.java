package io.ftvalidator.engine.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;

/**
 * {@code vae/config.json}: the latent scaling, the latent channels, the spatial factor between
 * latent and image, and the default image size.
 */
public record VaeConfig(double scalingFactor, int latentChannels, int spatialFactor, int sampleSize) {

    static VaeConfig from(JsonNode json, String bundle) {
        double scaling = json.path("scaling_factor").asDouble(0.18215);
        int channels = json.path("latent_channels").asInt(4);
        JsonNode blocks = json.path("block_out_channels");
        int factor = blocks.isArray() && blocks.size() > 0 ? 1 << (blocks.size() - 1) : 8;
        int size = json.path("sample_size").asInt(512);
        if (!(scaling > 0) || channels < 1 || size < factor || size % factor != 0) {
            throw new EngineException(
                    Kind.INVALID_BUNDLE,
                    bundle + ": vae/config.json: scaling_factor " + scaling + ", latent_channels " + channels
                            + ", sample_size " + size + " (factor " + factor + ") are not usable");
        }
        return new VaeConfig(scaling, channels, factor, size);
    }
}
