package io.ftvalidator.engine.render;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.ModelBundle;
import java.io.IOException;
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

    PromptTokenizer(ModelBundle bundle) {
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(
                    bundle.file(ModelBundle.TOKENIZER),
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new EngineException(
                    Kind.INVALID_BUNDLE, bundle.name() + ": " + ModelBundle.TOKENIZER + " cannot be read: " + e.getMessage(), e);
        }
        length = bundle.tokenizer().modelMaxLength();
        padId = bundle.tokenizer().padToken().map(this::idOf).orElseGet(this::lastSpecialId);
    }

    long[] ids(String prompt) {
        Encoding encoding = tokenizer.encode(prompt);
        long[] ids = encoding.getIds();
        long[] special = encoding.getSpecialTokenMask();
        int trailing = 0;
        while (trailing < ids.length && special[ids.length - 1 - trailing] == 1) {
            trailing++;
        }
        long[] out = new long[length];
        Arrays.fill(out, padId);
        if (ids.length <= length) {
            System.arraycopy(ids, 0, out, 0, ids.length);
        } else {
            int keep = Math.max(0, length - trailing);
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
