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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The renders this worker runs at once: one slot per concurrent render, each with its own model
 * cache (a loaded model serves one render at a time while a LoRA is merged into it). On a CPU one
 * slot uses every engine thread; on a GPU the slot count is set by the card's memory.
 */
@Startup
@ApplicationScoped
public class RenderSlots {

    private static final Logger LOG = Logger.getLogger(RenderSlots.class);

    private final BlockingQueue<ModelCache> free;
    private final DeviceInfo device;
    private final int slots;

    RenderSlots(
            @ConfigProperty(name = "ftval.worker.device", defaultValue = "cpu") String deviceName,
            @ConfigProperty(name = "ftval.worker.threads", defaultValue = "0") int threads,
            @ConfigProperty(name = "ftval.worker.slots", defaultValue = "0") int configuredSlots,
            @ConfigProperty(name = "ftval.worker.model-memory-mb", defaultValue = "8192") long modelMemoryMb,
            @ConfigProperty(name = "ftval.worker.cache-dir") Path cacheDir) {
        int engineThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        EngineSetup.configure(engineThreads);
        Device d = EngineSetup.device(deviceName);
        this.device = DeviceProbe.describe(d, engineThreads);
        this.slots = configuredSlots > 0 ? configuredSlots : d.isGpu() ? 2 : 1;
        this.free = new ArrayBlockingQueue<>(slots);
        long perSlot = modelMemoryMb * 1024 * 1024 / slots;
        for (int i = 0; i < slots; i++) {
            free.add(new ModelCache(d, cacheDir, perSlot));
        }
        LOG.infof("rendering on %s %s (%d MB), %d engine threads, %d slot(s), %s", device.getKind(), device.getName(),
                device.getMemoryBytes() >> 20, engineThreads, slots, device.getEngine());
    }

    public DeviceInfo device() {
        return device;
    }

    public int slots() {
        return slots;
    }

    /** Runs {@code work} with a free slot's model cache, waiting for one. */
    public <T> T withSlot(Function<ModelCache, T> work) throws InterruptedException {
        ModelCache cache = free.take();
        try {
            return work.apply(cache);
        } finally {
            free.add(cache);
        }
    }

    @PreDestroy
    void close() {
        free.forEach(ModelCache::close);
    }
}
