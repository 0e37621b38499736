package io.ftvalidator.engine.render;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.ModelBundle;
import io.ftvalidator.engine.bundle.TokenizerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Token ids of a prompt as diffusers computes them with {@code padding="max_length",
 * truncation=True}: special tokens from the tokenizer's post-processor, truncated to the model's
 * length keeping the trailing special tokens, padded with the pad token (docs/model-bundle.md).
 */
final class PromptTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final int length;
    private final long padId;
    private final int suffix;

    PromptTokenizer(ModelBundle bundle) {
        this(bundle.file(ModelBundle.TOKENIZER), bundle.tokenizer(), bundle.name());
    }

    /** The tokenizer of a {@code tokenizer.json} file with the settings of its {@code tokenizer_config.json}. */
    PromptTokenizer(Path tokenizerJson, TokenizerConfig config, String bundleName) {
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(
                    tokenizerJson, Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new EngineException(
                    Kind.INVALID_BUNDLE, bundleName + ": " + ModelBundle.TOKENIZER + " cannot be read: " + e.getMessage(), e);
        }
        length = config.modelMaxLength();
        padId = config.padToken().map(this::idOf).orElseGet(this::lastSpecialId);
        suffix = appendedSpecialTokens();
    }

    /**
     * How many special tokens the post-processor appends after the text (1 for CLIP): a special
     * token the prompt itself ends with is text, and truncated as text, as transformers does.
     */
    private int appendedSpecialTokens() {
        long[] with = tokenizer.encode("a").getIds();
        long[] without = tokenizer.encode("a", false, false).getIds();
        for (int start = 0; start + without.length <= with.length; start++) {
            if (Arrays.equals(with, start, start + without.length, without, 0, without.length)) {
                return with.length - start - without.length;
            }
        }
        throw new EngineException(Kind.INVALID_BUNDLE, "the tokenizer's post-processor changes the text's own tokens");
    }

    long[] ids(String prompt) {
        long[] ids = tokenizer.encode(prompt).getIds();
        long[] out = new long[length];
        Arrays.fill(out, padId);
        if (ids.length <= length) {
            System.arraycopy(ids, 0, out, 0, ids.length);
        } else {
            int keep = Math.max(0, length - suffix);
            System.arraycopy(ids, 0, out, 0, keep);
            System.arraycopy(ids, ids.length - (length - keep), out, keep, length - keep);
        }
        return out;
    }

    int length() {
        return length;
    }

    private long idOf(String token) {
        long[] ids = tokenizer.encode(token, false, false).getIds();
        if (ids.length != 1) {
            throw new EngineException(Kind.INVALID_BUNDLE, "pad_token '" + token + "' is not a single token of the tokenizer");
        }
        return ids[0];
    }

    private long lastSpecialId() {
        Encoding empty = tokenizer.encode("");
        long[] ids = empty.getIds();
        if (ids.length == 0) {
            throw new EngineException(Kind.INVALID_BUNDLE, "the bundle names no pad token and its tokenizer adds no special token");
        }
        return ids[ids.length - 1];
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
