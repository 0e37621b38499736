package io.ftvalidator.engine.render;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text encoder's outputs shared by the renders of one job (one image of every submission) or of
 * one comparison on this machine: submissions whose LoRA leaves the text encoder alone encode a
 * prompt with the same base text encoder, at the same thread count, so the first one's hidden
 * states are every other one's, bit for bit. A submission whose LoRA changes the text encoder
 * encodes its own. Holds at most {@code capacity} prompts, least recently used dropped first.
 * Not thread-safe: one per job or comparison.
 */
public final class PromptEncodings {

    private record Encoded(float[] values, Shape shape) {}

    private final int capacity;
    private final Map<String, Encoded> entries;
    private int encoded;

    /** @param capacity how many distinct prompt batches to keep (the images of a job or a comparison) */
    public PromptEncodings(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** Shares nothing: every render encodes its prompts. */
    public static PromptEncodings none() {
        return new PromptEncodings(0);
    }

    /** The hidden states of {@code tokens} from this session's text encoder, encoded once per base. */
    NDArray encode(LoadedModel.Session session, NDManager manager, long[][] tokens) {
        LoadedModel model = session.model();
        if (capacity == 0 || session.textEncoderChanged()) {
            encoded++;
            return model.encode(manager, tokens);
        }
        String key = model.bundle().digest() + Arrays.deepToString(tokens);
        Encoded known = entries.get(key);
        if (known != null) {
            return manager.create(known.values(), known.shape());
        }
        NDArray hidden = model.encode(manager, tokens);
        encoded++;
        if (hidden.getDataType() != DataType.FLOAT32) {
            return hidden;
        }
        entries.put(key, new Encoded(hidden.toFloatArray(), hidden.getShape()));
        if (entries.size() > capacity) {
            entries.remove(entries.keySet().iterator().next());
        }
        return hidden;
    }

    /** How many times the text encoder ran for the renders of this set. */
    int encoded() {
        return encoded;
    }
}
