package io.ftvalidator.worker.device;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.render.Precision;
import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.DeviceKind;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Describes the device a worker renders on, as every score names it: card type and memory for a
 * GPU, model and RAM for a CPU, with the engine, its threads and the precision.
 */
public final class DeviceProbe {

    private DeviceProbe() {}

    public static DeviceInfo describe(Device device, int threads, Precision precision) {
        String engine = "PyTorch " + EngineSetup.engine().getVersion();
        io.ftvalidator.schemas.Precision recorded = AvroMapping.toAvro(precision);
        if (device.isGpu()) {
            long memory = CudaUtils.getGpuMemory(device).getMax();
            return new DeviceInfo(DeviceKind.GPU, gpuName(device.getDeviceId()), memory, threads, engine, recorded);
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        return new DeviceInfo(DeviceKind.CPU, cpuName(), memory, threads, engine, recorded);
    }

    /** Bytes in use on a GPU, by every process (CUDA's free memory subtracted from the card's). */
    public static long gpuMemoryUsed(Device device) {
        return CudaUtils.getGpuMemory(device).getUsed();
    }

    private static String gpuName(int id) {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i", Integer.toString(id))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
                return out.lines().findFirst().orElse(out);
            }
        } catch (IOException e) {
            // no nvidia-smi: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "CUDA GPU " + id;
    }

    private static String cpuName() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return lines.stream().filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse(System.getProperty("os.arch") + " CPU");
        } catch (IOException e) {
            return System.getProperty("os.arch") + " CPU";
        }
    }
}
