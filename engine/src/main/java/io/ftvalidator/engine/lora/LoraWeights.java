package io.ftvalidator.engine.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.lora.LoraAdapter.Component;
import io.ftvalidator.engine.lora.LoraAdapter.Layer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which LoRA is merged into a loaded model's weights, in place: {@code W <- W + scale * (up @ down)}
 * in float32 on the model's device. The base bits of every weight a LoRA changed are saved once and
 * copied back to restore the base (a subtraction would not give the same bits). The merged weights of
 * the LoRAs used last are kept, within a byte budget, least recently used dropped first: the jobs of
 * a validation take turns between its submissions, and a submission whose merged weights are kept is
 * copied in instead of merged again (the same bits: they are the merge's own result). Nothing is
 * re-exported. Not thread-safe: its model's lock guards it.
 */
public final class LoraWeights implements AutoCloseable {

    /** What the kept merges do, for metrics. */
    public interface Listener {
        Listener NONE = new Listener() {};

        /** A LoRA's merged weights were kept or are in the model already: no merge. */
        default void hit() {}

        /** A LoRA was merged. */
        default void miss() {}

        /** A LoRA's merged weights were dropped to stay within the budget. */
        default void evicted(long bytes) {}
    }

    private final Function<Component, Map<String, NDArray>> parameters;
    private final NDManager manager;
    private final long budget;
    private final Listener listener;
    /** The base bits of every weight a LoRA changed, by the weight (identity). */
    private final Map<NDArray, NDArray> originals = new IdentityHashMap<>();
    /** Merged weights by LoRA digest, least recently used first. */
    private final LinkedHashMap<String, Merged> kept = new LinkedHashMap<>(16, 0.75f, true);
    private long keptBytes;
    /** The LoRA in the weights now, null for none, and the weights it changed. */
    private String current;
    private Collection<NDArray> changed = List.of();

    private record Merged(Map<NDArray, NDArray> weights, long bytes) {}

    /**
     * @param parameters the weights of each component by parameter name
     * @param manager where the saved originals and the kept merges live
     * @param budget bytes of merged weights kept; 0 keeps none
     */
    public LoraWeights(Function<Component, Map<String, NDArray>> parameters, NDManager manager, long budget, Listener listener) {
        this.parameters = parameters;
        this.manager = manager.newSubManager();
        this.budget = budget;
        this.listener = listener;
    }

    /**
     * Makes the model's weights the base's with {@code lora} merged, or the base's alone. A LoRA that
     * does not fit the base changes nothing and the error lists what does not fit.
     */
    public void use(Optional<LoraAdapter> lora) {
        String digest = lora.map(LoraAdapter::digest).orElse(null);
        if (Objects.equals(digest, current)) {
            if (digest != null) {
                listener.hit();
            }
            return;
        }
        Merged known = digest == null ? null : kept.get(digest);
        Map<Layer, NDArray> targets = lora.isPresent() && known == null ? targets(lora.get()) : null;
        restore();
        if (lora.isEmpty()) {
            return;
        }
        try {
            if (known != null) {
                listener.hit();
                known.weights().forEach(LoraWeights::copy);
                changed = known.weights().keySet();
            } else {
                listener.miss();
                Map<NDArray, NDArray> merged = merge(targets);
                merged.forEach(LoraWeights::copy);
                changed = merged.keySet();
                keep(digest, merged);
            }
            current = digest;
        } catch (RuntimeException e) {
            restore();
            throw e;
        }
    }

    /** Bytes of merged weights kept now. */
    public long keptBytes() {
        return keptBytes;
    }

    /** Checks every layer against the weight of the component it names; all problems at once. */
    private Map<Layer, NDArray> targets(LoraAdapter lora) {
        Map<Component, Map<String, String>> flatNames = new HashMap<>();
        Map<Layer, NDArray> targets = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Layer layer : lora.layers()) {
            Map<String, NDArray> params = parameters.apply(layer.component());
            String module = layer.flat()
                    ? flatNames.computeIfAbsent(layer.component(), c -> flatIndex(params)).get(layer.module())
                    : layer.module();
            NDArray weight = module == null ? null : params.get(module + ".weight");
            String where = label(layer);
            if (weight == null) {
                problems.add(where + " is not a module of the base " + componentName(layer.component()));
                continue;
            }
            long[] w = weight.getShape().getShape();
            long in = weight.size() / w[0];
            if (w.length < 2 || layer.up().size(0) != w[0] || layer.down().rowSize() != in) {
                problems.add(where + ": base weight " + weight.getShape() + " does not take up "
                        + layer.up().shapeText() + " @ down " + layer.down().shapeText());
                continue;
            }
            targets.put(layer, weight);
        }
        if (!problems.isEmpty()) {
            throw new EngineException(
                    Kind.INVALID_LORA,
                    lora.name() + " does not fit the base: " + problems.size() + " of " + lora.layers().size()
                            + " layers, e.g. " + String.join("; ", problems.subList(0, Math.min(3, problems.size()))));
        }
        return targets;
    }

    /** Each target's base weight plus its layers' deltas, in layer order: new tensors, the weights untouched. */
    private Map<NDArray, NDArray> merge(Map<Layer, NDArray> targets) {
        Map<NDArray, NDArray> merged = new IdentityHashMap<>();
        try {
            for (var target : targets.entrySet()) {
                NDArray weight = target.getValue();
                NDArray original = originals.computeIfAbsent(weight, wt -> {
                    NDArray copy = wt.duplicate();
                    copy.attach(manager);
                    return copy;
                });
                NDArray sum;
                try (NDManager scratch = manager.newSubManager()) {
                    sum = merged.getOrDefault(weight, original).add(delta(target.getKey(), weight, scratch));
                    sum.attach(manager);
                }
                NDArray before = merged.put(weight, sum);
                if (before != null) {
                    before.close();
                }
            }
        } catch (RuntimeException e) {
            merged.values().forEach(NDArray::close);
            throw e;
        }
        return merged;
    }

    private static NDArray delta(Layer layer, NDArray weight, NDManager scratch) {
        int rank = layer.rank();
        long out = weight.getShape().get(0);
        NDArray up = scratch.create(layer.up().data(), new Shape(out, rank)).toDevice(weight.getDevice(), false);
        NDArray down = scratch.create(layer.down().data(), new Shape(rank, weight.size() / out)).toDevice(weight.getDevice(), false);
        return up.matMul(down).mul((float) layer.scale()).reshape(weight.getShape());
    }

    /** Keeps a LoRA's merged weights if they fit the budget, dropping the least recently used; else lets them go. */
    private void keep(String digest, Map<NDArray, NDArray> merged) {
        long bytes = merged.values().stream().mapToLong(a -> a.size() * a.getDataType().getNumOfBytes()).sum();
        if (bytes > budget) {
            merged.values().forEach(NDArray::close);
            return;
        }
        var oldest = kept.entrySet().iterator();
        while (keptBytes + bytes > budget && oldest.hasNext()) {
            Merged victim = oldest.next().getValue();
            oldest.remove();
            victim.weights().values().forEach(NDArray::close);
            keptBytes -= victim.bytes();
            listener.evicted(victim.bytes());
        }
        kept.put(digest, new Merged(merged, bytes));
        keptBytes += bytes;
    }

    /** Copies the base bits back into every weight the current LoRA changed. */
    private void restore() {
        for (NDArray weight : changed) {
            copy(weight, originals.get(weight));
        }
        changed = List.of();
        current = null;
    }

    private static void copy(NDArray weight, NDArray value) {
        weight.set(new NDIndex("..."), value);
    }

    /** Restores the base and lets the saved and kept weights go. */
    @Override
    public void close() {
        try {
            restore();
        } finally {
            manager.close();
        }
    }

    private static Map<String, String> flatIndex(Map<String, NDArray> params) {
        Map<String, String> index = new HashMap<>();
        for (String name : params.keySet()) {
            if (name.endsWith(".weight")) {
                String module = name.substring(0, name.length() - ".weight".length());
                index.put(module.replace('.', '_'), module);
            }
        }
        return index;
    }

    private static String label(Layer layer) {
        return (layer.flat() ? "(kohya) " : "") + layer.module();
    }

    private static String componentName(Component component) {
        return component == Component.UNET ? "UNet" : "text encoder";
    }
}
