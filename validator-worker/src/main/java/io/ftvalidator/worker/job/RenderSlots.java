package io.ftvalidator.worker.job;

import ai.djl.Device;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.render.Precision;
import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.engine.render.Renderer;
import io.ftvalidator.render.Sampler;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.worker.WorkerConfig;
import io.ftvalidator.worker.device.DeviceProbe;
import io.ftvalidator.worker.device.GpuSlots;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The renders this worker runs at once: one slot per concurrent render, each with its own model
 * cache (a loaded model serves one render at a time while a LoRA is merged into it) and its own
 * thread. On a CPU one slot uses every engine thread; on a GPU the slot count comes from the memory
 * one render was measured to take.
 */
@ApplicationScoped
public class RenderSlots {

    private static final Logger LOG = Logger.getLogger(RenderSlots.class);

    /** A model cache and the one thread that renders with it. */
    public static final class Slot {

        private final int index;
        private final ModelCache cache;
        private final ExecutorService thread;

        private Slot(int index, ModelCache cache) {
            this.index = index;
            this.cache = cache;
            this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "render-slot-" + index));
        }

        public int index() {
            return index;
        }

        /**
         * Runs {@code work} with this slot's model cache on this slot's own thread, the caller's
         * log context (the validation id) going along. One thread per slot keeps one OpenMP team
         * per slot: pool threads taking turns would each start a team, whose idle threads spin
         * against the next render's (measured: twice the render time on 2 cores).
         */
        public <T> Future<T> submit(Function<ModelCache, T> work) {
            Map<String, Object> logContext = MDC.getMap();
            return thread.submit(() -> {
                logContext.forEach(MDC::put);
                try {
                    return work.apply(cache);
                } finally {
                    MDC.clear();
                }
            });
        }

        void close() {
            thread.shutdown();
            try {
                // a render cannot be interrupted: free its models only once it has ended
                if (thread.awaitTermination(10, TimeUnit.SECONDS)) {
                    cache.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private final DeviceInfo device;

    RenderSlots(WorkerConfig config, MeterRegistry metrics) {
        int engineThreads = config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
        EngineSetup.configure(engineThreads);
        Device d = EngineSetup.device(config.device());
        Precision precision = EngineSetup.precision(config.precision(), d);
        this.device = DeviceProbe.describe(d, engineThreads, precision);
        device.setName(Trust.truncate(device.getName())); // a score names its device in 128 bytes at most
        long memoryBudget = config.modelMemoryMb() * 1024 * 1024;
        Path cacheDir = config.cacheDir();
        int count;
        if (config.slots() > 0) {
            count = config.slots();
        } else if (!d.isGpu()) {
            count = 1;
        } else if (config.gpu().probeModel().isPresent()) {
            long before = DeviceProbe.gpuMemoryUsed(d);
            Slot probe = new Slot(0, new ModelCache(d, cacheDir, memoryBudget));
            long perSlot;
            try {
                perSlot = measure(probe, config.gpu().probeModel().get(), d) - before;
            } finally {
                probe.close(); // the slots get their share of the model budget; CUDA keeps the memory for them
            }
            count = GpuSlots.count(device.getMemoryBytes(), before, perSlot, config.gpu().memoryShare(), config.gpu().maxSlots());
            LOG.infof("one render slot measured at %d MB of %s (%d MB in use before): %d slot(s)",
                    perSlot >> 20, device.getName(), before >> 20, count);
        } else {
            count = 1;
            LOG.warnf("one render slot on %s: set ftval.worker.gpu.probe-model to measure how many fit, or ftval.worker.slots", device.getName());
        }
        ModelCache.Listener cacheMeters = JobMeters.cacheListener(metrics);
        for (int i = 0; i < count; i++) {
            slots.add(new Slot(i, new ModelCache(d, cacheDir, memoryBudget / count, config.loraMemoryMb() * 1024 * 1024 / count, cacheMeters)));
        }
        Gauge.builder("ftval.worker.model.cache.loaded", slots, s -> s.stream().mapToLong(slot -> slot.cache.loadedBytes()).sum())
                .baseUnit("bytes").description("module bytes of the base models loaded, over all slots").register(metrics);
        Gauge.builder("ftval.worker.model.cache.merged", slots, s -> s.stream().mapToLong(slot -> slot.cache.keptLoraBytes()).sum())
                .baseUnit("bytes").description("merged LoRA weights kept for the next jobs, over all slots").register(metrics);
        LOG.infof("rendering on %s %s (%d MB), %s, %d engine threads, %d slot(s), %s", device.getKind(), device.getName(),
                device.getMemoryBytes() >> 20, precision.id(), engineThreads, count, device.getEngine());
    }

    /** Renders one small image of {@code bundle} on {@code slot}; the GPU memory in use after it. */
    private static long measure(Slot slot, Path bundle, Device device) {
        try {
            return slot.submit(cache -> {
                try (ModelCache.Prepared prepared = cache.prepare(new ModelRef(bundle, Optional.empty()), Optional.empty());
                        LoadedModel.Session session = prepared.open()) {
                    RenderSettings settings = new RenderSettings(Sampler.DPM_SOLVER_PP, 2, 7.5, 0, 0, "");
                    Renderer.render(session, new ImageSpec(0, 0, "a memory probe", settings));
                }
                return DeviceProbe.gpuMemoryUsed(device);
            }).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("the GPU memory probe with " + bundle + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring a render slot", e);
        }
    }

    public DeviceInfo device() {
        return device;
    }

    public List<Slot> slots() {
        return List.copyOf(slots);
    }

    @PreDestroy
    void close() {
        slots.forEach(Slot::close);
    }
}
