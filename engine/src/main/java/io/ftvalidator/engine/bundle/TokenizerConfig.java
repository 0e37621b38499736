package io.ftvalidator.engine.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.util.Optional;

/** {@code tokenizer/tokenizer_config.json}: the sequence length and the padding token. */
public record TokenizerConfig(int modelMaxLength, Optional<String> padToken) {

    static TokenizerConfig from(JsonNode json, String bundle) {
        int length = json.path("model_max_length").asInt(77);
        if (length < 2 || length > 4096) {
            throw new EngineException(
                    Kind.INVALID_BUNDLE, bundle + ": tokenizer_config.json: model_max_length " + length + " is out of range");
        }
        JsonNode pad = json.get("pad_token");
        // transformers also writes special tokens as {"content": "<pad>", ...}
        Optional<String> padToken = pad == null || pad.isNull()
                ? Optional.empty()
                : Optional.of(pad.isObject() ? pad.path("content").asText() : pad.asText());
        return new TokenizerConfig(length, padToken);
    }
}
