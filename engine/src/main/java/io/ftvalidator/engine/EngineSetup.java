package io.ftvalidator.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.render.Precision;

/**
 * Settings DJL's PyTorch engine reads once, when it starts: they must be set before the first
 * model is loaded. A render's bits depend on the thread count, so it is always pinned.
 */
public final class EngineSetup {

    public static final String THREADS = "ai.djl.pytorch.num_threads";

    /** DJL's switch for TorchScript's graph optimizer, read on every forward call. */
    public static final String GRAPH_OPTIMIZER = "ai.djl.pytorch.graph_optimizer";

    /**
     * libtorch's own log threshold on stderr (INFO, WARNING, ERROR or FATAL); unset, libtorch's
     * WARNING. PyTorch's {@code TORCH_CPP_LOG_LEVEL} wins when set. See {@link LibTorch}.
     */
    public static final String TORCH_LOG_LEVEL = LibTorch.LOG_LEVEL;

    private EngineSetup() {}

    /**
     * Pins the intra-op thread count (one inter-op thread) and keeps DJL offline. A value set on the
     * command line ({@code -Dai.djl.pytorch.num_threads=N}) wins. The graph optimizer is set with the
     * device, by {@link #device}.
     */
    public static void configure(int threads) {
        if (threads < 1) {
            throw new EngineException(Kind.BAD_INPUT, "threads must be at least 1, got " + threads);
        }
        setIfAbsent(THREADS, Integer.toString(threads));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        setIfAbsent("ai.djl.offline", "true");
    }

    /**
     * DJL's PyTorch engine, loaded on first use, with NNPACK off and libtorch's log threshold set
     * (see {@link LibTorch}). Every path that renders reaches the engine through here.
     */
    public static Engine engine() {
        Engine engine = Engine.getEngine("PyTorch");
        LibTorch.apply();
        return engine;
    }

    /** The thread count renders run with. */
    public static int threads() {
        return Integer.getInteger(THREADS, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Checks a device name's form without starting the engine (a process that only passes the
     * name on, as a local cluster to its workers, should not load libtorch) and returns it in
     * lower case.
     */
    public static String checkDeviceName(String name) {
        String n = name.trim().toLowerCase();
        if (!n.matches("auto|cpu|gpu|cuda|(gpu|cuda):\\d+")) {
            throw new EngineException(Kind.BAD_INPUT, "unknown device '" + name + "': use auto, cpu, gpu or gpu:N");
        }
        return n;
    }

    /**
     * {@code auto} (the first GPU, else the CPU), {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}.
     * TorchScript's graph optimizer goes on for a CPU, off for a GPU, unless the command line set it: on a
     * CPU it inlines the modules' calls and renders the same bits (libtorch fuses no CPU kernels by
     * default; {@code RendererTest} checks it) about 15 % sooner; on a GPU its fusions change the outputs
     * after the first calls. One process renders on one kind of device.
     */
    public static Device device(String name) {
        String n = checkDeviceName(name);
        Device device;
        if (n.equals("auto")) {
            device = Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        } else if (n.equals("cpu")) {
            device = Device.cpu();
        } else if (n.equals("gpu") || n.equals("cuda")) {
            device = Device.gpu();
        } else {
            device = Device.gpu(Integer.parseInt(n.substring(n.indexOf(':') + 1)));
        }
        if (device.isGpu() && device.getDeviceId() >= engine().getGpuCount()) {
            throw new EngineException(
                    Kind.BAD_INPUT, "device " + name + " is not here: this machine has "
                            + engine().getGpuCount() + " GPU(s)");
        }
        setIfAbsent(GRAPH_OPTIMIZER, Boolean.toString(!device.isGpu()));
        return device;
    }

    /**
     * The precision renders run in on {@code device}. Only float32 is available: DJL 0.36.0 cannot
     * cast a loaded TorchScript module's weights (its {@code PtSymbolBlock} does not implement
     * {@code cast}), and casting inputs alone would not render in float16. A float16 request is
     * refused rather than recorded falsely.
     */
    public static Precision precision(String name, Device device) {
        Precision precision;
        try {
            precision = Precision.parse(name);
        } catch (IllegalArgumentException e) {
            throw new EngineException(Kind.BAD_INPUT, e.getMessage());
        }
        if (precision != Precision.FLOAT32) {
            throw new EngineException(Kind.BAD_INPUT, "precision " + precision.id() + " is not available on " + device
                    + ": DJL " + Engine.getDjlVersion() + " cannot cast a loaded TorchScript model's weights; render in float32");
        }
        return precision;
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
