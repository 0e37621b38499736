package io.ftvalidator.worker.health;

import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.schemas.DeviceKind;
import io.ftvalidator.worker.WorkerConfig;
import io.ftvalidator.worker.job.RenderSlots;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready to render: the engine loaded with its slots, the model cache writable (a full or read-only
 * disk fails every download and bundle extraction), and, where a GPU was asked for, the GPU still
 * seen by the engine.
 */
@Readiness
@ApplicationScoped
public class WorkerHealth implements HealthCheck {

    private final WorkerConfig config;
    private final RenderSlots slots;

    WorkerHealth(WorkerConfig config, RenderSlots slots) {
        this.config = config;
        this.slots = slots;
    }

    @Override
    public HealthCheckResponse call() {
        boolean engine = !slots.slots().isEmpty();
        String cache = cacheWritable(config.cacheDir());
        boolean gpuWanted = config.device().trim().toLowerCase().matches("(gpu|cuda)(:\\d+)?");
        boolean gpuSeen = slots.device().getKind() == DeviceKind.GPU && EngineSetup.engine().getGpuCount() > 0;
        return HealthCheckResponse.named("renderer")
                .status(engine && cache == null && (!gpuWanted || gpuSeen))
                .withData("engine", EngineSetup.engine().getEngineName() + " " + EngineSetup.engine().getVersion())
                .withData("slots", slots.slots().size())
                .withData("device", slots.device().getKind() + " " + slots.device().getName())
                .withData("gpu", gpuWanted ? (gpuSeen ? "present" : "configured but not seen") : "not configured")
                .withData("cache", cache == null ? "writable" : cache)
                .build();
    }

    /** null when a file can be written and removed under {@code dir}; else why not. */
    static String cacheWritable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".health-", ".tmp");
            Files.delete(probe);
            return null;
        } catch (IOException | RuntimeException e) {
            return dir + " is not writable: " + e;
        }
    }
}
