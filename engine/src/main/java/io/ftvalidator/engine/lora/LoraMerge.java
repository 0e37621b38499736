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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Merges a LoRA into a loaded model's weights in place, {@code W <- W + scale * (up @ down)} in
 * float32 on the model's device, and restores the base by copying the saved originals back (a
 * subtraction would not give the same bits). Nothing is re-exported.
 */
public final class LoraMerge implements AutoCloseable {

    private final Map<NDArray, NDArray> originals;
    private final NDManager manager;

    private LoraMerge(Map<NDArray, NDArray> originals, NDManager manager) {
        this.originals = originals;
        this.manager = manager;
    }

    /**
     * Checks every layer against the parameters of the component it names, then merges. On any
     * mismatch nothing is changed and the error lists what does not fit.
     *
     * @param parameters the weights of each component by parameter name
     * @param manager where the saved originals live until {@link #close()}
     */
    public static LoraMerge apply(
            LoraAdapter lora, Function<Component, Map<String, NDArray>> parameters, NDManager manager) {
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
        NDManager saved = manager.newSubManager();
        Map<NDArray, NDArray> originals = new LinkedHashMap<>();
        try {
            for (var target : targets.entrySet()) {
                NDArray weight = target.getValue();
                originals.computeIfAbsent(weight, wt -> {
                    NDArray copy = wt.duplicate();
                    copy.attach(saved);
                    return copy;
                });
                try (NDManager scratch = saved.newSubManager()) {
                    weight.addi(delta(target.getKey(), weight, scratch));
                }
            }
        } catch (RuntimeException e) {
            new LoraMerge(originals, saved).close();
            throw e;
        }
        return new LoraMerge(originals, saved);
    }

    private static NDArray delta(Layer layer, NDArray weight, NDManager scratch) {
        int rank = layer.rank();
        long out = weight.getShape().get(0);
        NDArray up = scratch.create(layer.up().data(), new Shape(out, rank)).toDevice(weight.getDevice(), false);
        NDArray down = scratch.create(layer.down().data(), new Shape(rank, weight.size() / out)).toDevice(weight.getDevice(), false);
        return up.matMul(down).mul((float) layer.scale()).reshape(weight.getShape());
    }

    /** Restores every merged weight to its saved bits. */
    @Override
    public void close() {
        try {
            originals.forEach((weight, original) -> weight.set(new NDIndex("..."), original));
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
