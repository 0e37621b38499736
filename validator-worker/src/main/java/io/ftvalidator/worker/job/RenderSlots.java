package io.ftvalidator.worker.job;

import ai.djl.Device;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.worker.device.DeviceProbe;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The renders this worker runs at once: one slot per concurrent render, each with its own model
 * cache (a loaded model serves one render at a time while a LoRA is merged into it). On a CPU one
 * slot uses every engine thread; on a GPU the slot count is set by the card's memory.
 */
@Startup
@ApplicationScoped
public class RenderSlots {

    private static final Logger LOG = Logger.getLogger(RenderSlots.class);

    /** A model cache and the one thread that renders with it. */
    private record Slot(ModelCache cache, ExecutorService thread) {}

    private final BlockingQueue<Slot> free;
    private final DeviceInfo device;

    RenderSlots(
            @ConfigProperty(name = "ftval.worker.device", defaultValue = "cpu") String deviceName,
            @ConfigProperty(name = "ftval.worker.threads", defaultValue = "0") int threads,
            @ConfigProperty(name = "ftval.worker.slots", defaultValue = "0") int configuredSlots,
            @ConfigProperty(name = "ftval.worker.model-memory-mb", defaultValue = "8192") long modelMemoryMb,
            @ConfigProperty(name = "ftval.worker.gpu-slot-mb", defaultValue = "12288") long gpuSlotMb,
            @ConfigProperty(name = "ftval.worker.cache-dir") Path cacheDir) {
        int engineThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        EngineSetup.configure(engineThreads);
        Device d = EngineSetup.device(deviceName);
        this.device = DeviceProbe.describe(d, engineThreads);
        int slots = configuredSlots > 0 ? configuredSlots : defaultSlots(d.isGpu(), device.getMemoryBytes() >> 20, gpuSlotMb);
        this.free = new ArrayBlockingQueue<>(slots);
        long perSlot = modelMemoryMb * 1024 * 1024 / slots;
        for (int i = 0; i < slots; i++) {
            String name = "render-slot-" + i;
            free.add(new Slot(new ModelCache(d, cacheDir, perSlot), Executors.newSingleThreadExecutor(r -> new Thread(r, name))));
        }
        LOG.infof("rendering on %s %s (%d MB), %d engine threads, %d slot(s), %s", device.getKind(), device.getName(),
                device.getMemoryBytes() >> 20, engineThreads, slots, device.getEngine());
    }

    /**
     * One slot on a CPU (it uses every engine thread); on a GPU one per {@code gpuSlotMb} of the
     * card's memory (a base model, its saved LoRA originals and the activations), 1 to 4.
     */
    static int defaultSlots(boolean gpu, long deviceMemoryMb, long gpuSlotMb) {
        if (!gpu) {
            return 1;
        }
        return (int) Math.max(1, Math.min(4, deviceMemoryMb / Math.max(1, gpuSlotMb)));
    }

    public DeviceInfo device() {
        return device;
    }


    /**
     * Runs {@code work} with a free slot's model cache, on that slot's own thread, waiting for a
     * free slot. One thread per slot keeps one OpenMP team per slot: pool threads taking turns
     * would each start a team, whose idle threads spin against the next render's (measured: twice
     * the render time on 2 cores).
     */
    public <T> T withSlot(Function<ModelCache, T> work) throws InterruptedException {
        Slot slot = free.take();
        try {
            Map<String, Object> logContext = MDC.getMap(); // the validation id goes along into the slot's log lines
            return slot.thread().submit(() -> {
                logContext.forEach(MDC::put);
                try {
                    return work.apply(slot.cache());
                } finally {
                    MDC.clear();
                }
            }).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            free.add(slot);
        }
    }

    @PreDestroy
    void close() {
        for (Slot slot : free) {
            slot.thread().shutdown();
            slot.cache().close();
        }
    }
}
