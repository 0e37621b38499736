package io.ftvalidator.engine;

import ai.djl.Device;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.ModelBundle;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.lora.LoraAdapter;
import io.ftvalidator.engine.lora.LoraWeights;
import io.ftvalidator.engine.render.LoadedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Loaded base models on one device, shared by digest and bounded by a memory budget (the least
 * recently used model that nobody holds is closed first), and the LoRA files merged into them. A
 * LoRA costs only its own merge: its base is loaded once.
 */
public final class ModelCache implements AutoCloseable {

    private static final int MAX_LORAS = 64;

    /**
     * What the cache does, for metrics: {@code kind} is {@code base} (a loaded base model), {@code lora}
     * (a LoRA file read) or {@code merged} (a LoRA's weights merged into its base, see {@link LoraWeights}).
     */
    public interface Listener {
        Listener NONE = new Listener() {};

        default void hit(String kind) {}

        default void miss(String kind) {}

        /** A base model closed, or a LoRA's merged weights dropped, to stay within the budgets. */
        default void evicted(String kind, long bytes) {}
    }

    public static final String BASE = "base";
    public static final String LORA = "lora";
    public static final String MERGED = "merged";

    private final Device device;
    private final Path diskCache;
    private final long memoryBudget;
    private final long mergedBudget;
    private final Map<String, Entry> bases = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, LoraAdapter> loras = new LinkedHashMap<>(16, 0.75f, true);
    private final Listener listener;

    private static final class Entry {
        final LoadedModel model;
        final long bytes;
        int holders;

        Entry(LoadedModel model, long bytes) {
            this.model = model;
            this.bytes = bytes;
        }
    }

    /**
     * @param device where models are loaded
     * @param diskCache where zipped bundles are extracted, under their digest
     * @param memoryBudget bytes of module files kept loaded when nobody holds them
     */
    public ModelCache(Device device, Path diskCache, long memoryBudget) {
        this(device, diskCache, memoryBudget, Listener.NONE);
    }

    /** @param listener told of hits, misses and evictions (under the cache's lock: keep it quick) */
    public ModelCache(Device device, Path diskCache, long memoryBudget, Listener listener) {
        this(device, diskCache, memoryBudget, 0, listener);
    }

    /**
     * @param mergedBudget bytes of merged LoRA weights each loaded base keeps for its next sessions, so that
     *     the jobs of a validation, which take turns between its submissions, need not merge a LoRA again
     */
    public ModelCache(Device device, Path diskCache, long memoryBudget, long mergedBudget, Listener listener) {
        this.device = device;
        this.diskCache = diskCache;
        this.memoryBudget = memoryBudget;
        this.mergedBudget = mergedBudget;
        this.listener = listener;
    }

    /** Bytes of module files of the base models loaded now. */
    public synchronized long loadedBytes() {
        return bases.values().stream().mapToLong(e -> e.bytes).sum();
    }

    /** Bytes of merged LoRA weights the loaded base models keep now. */
    public synchronized long keptLoraBytes() {
        return bases.values().stream().mapToLong(e -> e.model.keptLoraBytes()).sum();
    }

    public Device device() {
        return device;
    }

    /** What a submission renders with: a held base model and, for a LoRA submission, the LoRA. */
    public final class Prepared implements AutoCloseable {

        private final Entry base;
        private final Optional<LoraAdapter> lora;
        private boolean released;

        private Prepared(Entry base, Optional<LoraAdapter> lora) {
            this.base = base;
            this.lora = lora;
        }

        public LoadedModel model() {
            return base.model;
        }

        public Optional<LoraAdapter> lora() {
            return lora;
        }

        /** The submission's own digest: its LoRA's, or its bundle's. */
        public String digest() {
            return lora.map(LoraAdapter::digest).orElse(base.model.bundle().digest());
        }

        /** Exclusive use of the model with the LoRA merged; see {@link LoadedModel#open}. */
        public LoadedModel.Session open() {
            return base.model.open(lora);
        }

        @Override
        public void close() {
            synchronized (ModelCache.this) {
                if (!released) {
                    released = true;
                    base.holders--;
                    evict();
                }
            }
        }
    }

    /**
     * Verifies and loads what a submission needs: {@code model} is a bundle (directory with
     * model_index.json, or .zip) or a LoRA (.safetensors file, or PEFT adapter folder) on
     * {@code base}.
     */
    public Prepared prepare(ModelRef model, Optional<ModelRef> base) {
        if (isLora(model.path())) {
            ModelRef baseRef = base.orElseThrow(() -> new EngineException(
                    Kind.BAD_INPUT, model.path() + " is a LoRA: name the base bundle it applies to"));
            LoraAdapter lora = lora(model);
            try {
                return hold(baseRef, Optional.of(lora));
            } catch (EngineException e) {
                // the LoRA was read: what fails now is its base, which is not the LoRA's doing
                throw new EngineException(e.kind(), e.getMessage(), false, e);
            }
        }
        return hold(model, Optional.empty());
    }

    /** A LoRA file or adapter folder, else a bundle. */
    public static boolean isLora(Path path) {
        if (Files.isDirectory(path)) {
            return Files.isRegularFile(path.resolve(LoraAdapter.PEFT_CONFIG));
        }
        return path.getFileName() != null && path.getFileName().toString().endsWith(".safetensors");
    }

    private Prepared hold(ModelRef ref, Optional<LoraAdapter> lora) {
        synchronized (this) {
            // a base named by digest that is loaded was verified when it was loaded
            Entry loaded = ref.sha256().map(bases::get).orElse(null);
            if (loaded != null) {
                loaded.holders++;
                listener.hit(BASE);
                return new Prepared(loaded, lora);
            }
        }
        ModelBundle bundle = ModelBundle.open(ref, diskCache.resolve("bundles"));
        synchronized (this) {
            Entry entry = bases.get(bundle.digest());
            if (entry == null) {
                entry = new Entry(LoadedModel.load(bundle, device, mergedBudget, mergedListener()), moduleBytes(bundle));
                bases.put(bundle.digest(), entry);
                listener.miss(BASE);
            } else {
                listener.hit(BASE);
            }
            entry.holders++;
            evict();
            return new Prepared(entry, lora);
        }
    }

    private LoraWeights.Listener mergedListener() {
        return new LoraWeights.Listener() {
            @Override
            public void hit() {
                listener.hit(MERGED);
            }

            @Override
            public void miss() {
                listener.miss(MERGED);
            }

            @Override
            public void evicted(long bytes) {
                listener.evicted(MERGED, bytes);
            }
        };
    }

    private LoraAdapter lora(ModelRef ref) {
        synchronized (this) {
            // a LoRA named by digest that was read before is not read again
            LoraAdapter known = ref.sha256().map(loras::get).orElse(null);
            if (known != null) {
                listener.hit(LORA);
                return known;
            }
        }
        listener.miss(LORA);
        LoraAdapter read = LoraAdapter.read(ref, diskCache.resolve("loras"));
        synchronized (this) {
            loras.put(read.digest(), read);
            if (loras.size() > MAX_LORAS) {
                loras.remove(loras.keySet().iterator().next());
            }
            return read;
        }
    }

    /** Closes least recently used, unheld models while the loaded ones exceed the budget. */
    private void evict() {
        long total = bases.values().stream().mapToLong(e -> e.bytes).sum();
        List<String> victims = new ArrayList<>();
        for (var e : bases.entrySet()) {
            if (total <= memoryBudget) {
                break;
            }
            if (e.getValue().holders == 0) {
                victims.add(e.getKey());
                total -= e.getValue().bytes;
            }
        }
        for (String digest : victims) {
            Entry victim = bases.remove(digest);
            victim.model.close();
            listener.evicted(BASE, victim.bytes);
        }
    }

    private static long moduleBytes(ModelBundle bundle) {
        try (Stream<Path> files = Files.walk(bundle.folder().root())) {
            return files.filter(p -> p.toString().endsWith(".pt")).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        bases.values().forEach(e -> e.model.close());
        bases.clear();
        loras.clear();
    }
}
