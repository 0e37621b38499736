package io.ftvalidator.engine.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.util.Optional;

/**
 * The sequence length and the padding token of a bundle's prompts: from
 * {@code tokenizer/tokenizer_config.json} (transformers' file), or, when a bundle has none, from the
 * {@code truncation} and {@code padding} sections of {@code tokenizer/tokenizer.json} (the
 * tokenizers library's file, which transformers' fast tokenizers also save them in).
 */
public record TokenizerConfig(int modelMaxLength, Optional<String> padToken) {

    static final int MAX_LENGTH = 4096;

    /** From {@code tokenizer_config.json}: {@code model_max_length} (default 77) and {@code pad_token}. */
    static TokenizerConfig from(JsonNode json, String bundle) {
        int length = json.path("model_max_length").asInt(77);
        checkLength(length, bundle, "tokenizer_config.json: model_max_length");
        JsonNode pad = json.get("pad_token");
        // transformers also writes special tokens as {"content": "<pad>", ...}
        Optional<String> padToken = pad == null || pad.isNull()
                ? Optional.empty()
                : Optional.of(pad.isObject() ? pad.path("content").asText() : pad.asText());
        return new TokenizerConfig(length, padToken);
    }

    /**
     * From {@code tokenizer.json}: the length is {@code truncation.max_length}, else a fixed padding
     * length ({@code padding.strategy.Fixed}); the padding token is {@code padding.pad_token}. A file
     * that sets neither length is refused: no length would be a guess.
     */
    static TokenizerConfig fromTokenizerJson(JsonNode json, String bundle) {
        JsonNode truncation = json.path("truncation");
        JsonNode padding = json.path("padding");
        JsonNode length = truncation.path("max_length");
        String where = "tokenizer.json: truncation.max_length";
        if (!length.isInt()) {
            length = padding.path("strategy").path("Fixed");
            where = "tokenizer.json: padding.strategy.Fixed";
        }
        if (!length.isInt()) {
            throw new EngineException(Kind.INVALID_BUNDLE, bundle + ": it has no tokenizer/tokenizer_config.json, and "
                    + "tokenizer/tokenizer.json sets no truncation max_length (nor a fixed padding length): the prompt length is unknown");
        }
        checkLength(length.asInt(), bundle, where);
        JsonNode pad = padding.path("pad_token");
        return new TokenizerConfig(length.asInt(), pad.isTextual() ? Optional.of(pad.asText()) : Optional.empty());
    }

    private static void checkLength(int length, String bundle, String where) {
        if (length < 2 || length > MAX_LENGTH) {
            throw new EngineException(Kind.INVALID_BUNDLE, bundle + ": " + where + " " + length + " is out of range 2.." + MAX_LENGTH);
        }
    }
}
