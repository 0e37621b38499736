package io.ftvalidator.engine.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A verified bundle on disk and its configuration, read before any module is loaded (see
 * docs/model-bundle.md).
 */
public record ModelBundle(
        Verified.Folder folder,
        SchedulerConfig scheduler,
        TokenizerConfig tokenizer,
        VaeConfig vae,
        int unetInChannels) {

    public static final String TEXT_ENCODER = "text_encoder/model.pt";
    public static final String UNET = "unet/model.pt";
    public static final String VAE_DECODER = "vae/decoder.pt";
    public static final String TOKENIZER = "tokenizer/tokenizer.json";
    /** Optional: without it, the prompt length and padding token come from {@link #TOKENIZER}. */
    public static final String TOKENIZER_CONFIG = "tokenizer/tokenizer_config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Verifies the bundle's digests, then reads and checks its configuration. */
    public static ModelBundle open(ModelRef ref, Path cache) {
        return read(Verified.folder(ref, cache));
    }

    static ModelBundle read(Verified.Folder folder) {
        String name = folder.name();
        for (String required : new String[] {"model_index.json", TEXT_ENCODER, UNET, VAE_DECODER, TOKENIZER}) {
            if (!Files.isRegularFile(folder.root().resolve(required))) {
                throw new EngineException(Kind.INVALID_BUNDLE, name + ": not a model bundle, it has no " + required);
            }
        }
        SchedulerConfig scheduler = SchedulerConfig.from(json(folder, "scheduler/scheduler_config.json"), name);
        TokenizerConfig tokenizer = Files.isRegularFile(folder.root().resolve(TOKENIZER_CONFIG))
                ? TokenizerConfig.from(json(folder, TOKENIZER_CONFIG), name)
                : TokenizerConfig.fromTokenizerJson(json(folder, TOKENIZER), name);
        VaeConfig vae = VaeConfig.from(json(folder, "vae/config.json"), name);
        int inChannels = json(folder, "unet/config.json").path("in_channels").asInt(vae.latentChannels());
        if (inChannels != vae.latentChannels()) {
            throw new EngineException(
                    Kind.INVALID_BUNDLE,
                    name + ": unet in_channels " + inChannels + " differs from vae latent_channels " + vae.latentChannels());
        }
        return new ModelBundle(folder, scheduler, tokenizer, vae, inChannels);
    }

    public Path file(String relative) {
        return folder.root().resolve(relative);
    }

    public String digest() {
        return folder.digest();
    }

    public String name() {
        return folder.name();
    }

    private static JsonNode json(Verified.Folder folder, String relative) {
        Path file = folder.root().resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new EngineException(Kind.INVALID_BUNDLE, folder.name() + ": not a model bundle, it has no " + relative);
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new EngineException(
                    Kind.INVALID_BUNDLE, folder.name() + ": " + relative + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
    }

    static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }
}
