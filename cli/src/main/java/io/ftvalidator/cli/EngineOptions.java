package io.ftvalidator.cli;

import ai.djl.Device;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.ModelCache;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of every command that loads models: device, precision, threads, cache folder (as the worker's ftval.worker.*). */
final class EngineOptions {

    @Option(names = "--device", defaultValue = "auto", description = "auto (the first GPU, else the CPU), cpu, gpu or gpu:N (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--precision", defaultValue = "float32", description = "float32 or float16 (default: ${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--threads", description = "engine threads; renders are bit-reproducible only with the same count (default: all cores)")
    Integer threads;

    @Option(names = "--cache", description = "where zipped bundles are extracted (default: $FTVAL_CACHE or ~/.cache/ftvalidator)")
    Path cache;

    /** Pins the engine settings, checks the precision on the chosen device, then opens a model cache there. */
    ModelCache openCache() {
        return openCache(0);
    }

    /** As {@link #openCache()}, keeping up to {@code mergedBudget} bytes of merged LoRA weights per base, as a worker does. */
    ModelCache openCache(long mergedBudget) {
        EngineSetup.configure(threads != null ? threads : Runtime.getRuntime().availableProcessors());
        Device d = EngineSetup.device(device);
        EngineSetup.precision(precision, d);
        return new ModelCache(d, cacheDir(), Long.MAX_VALUE, mergedBudget, ModelCache.Listener.NONE);
    }

    private Path cacheDir() {
        return cache != null ? cache : Home.cache();
    }
}
