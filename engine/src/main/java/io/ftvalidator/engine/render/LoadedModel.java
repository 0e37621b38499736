package io.ftvalidator.engine.render;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.LibTorchExit;
import io.ftvalidator.engine.bundle.ModelBundle;
import io.ftvalidator.engine.lora.LoraAdapter;
import io.ftvalidator.engine.lora.LoraAdapter.Component;
import io.ftvalidator.engine.lora.LoraWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bundle's three TorchScript modules and its tokenizer, loaded once on one device. Renders go
 * through a {@link Session}, which holds the model alone while a LoRA is merged into it.
 */
public final class LoadedModel implements AutoCloseable {

    private final ModelBundle bundle;
    private final Device device;
    private final Model textEncoder;
    private final Model unet;
    private final Model vaeDecoder;
    private final PromptTokenizer tokenizer;
    private final NoiseSchedule schedule;
    private final Map<Component, Map<String, NDArray>> parameters = new LinkedHashMap<>();
    private final LoraWeights loraWeights;
    private final ReentrantLock lock = new ReentrantLock();

    private LoadedModel(ModelBundle bundle, Device device, long mergedBudget, LoraWeights.Listener listener) {
        this.bundle = bundle;
        this.device = device;
        this.schedule = new NoiseSchedule(bundle.scheduler());
        Model te = null;
        Model un = null;
        Model vae = null;
        PromptTokenizer tok = null;
        try {
            te = load("text_encoder", ModelBundle.TEXT_ENCODER);
            un = load("unet", ModelBundle.UNET);
            vae = load("vae_decoder", ModelBundle.VAE_DECODER);
            tok = new PromptTokenizer(bundle);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {te, un, vae, tok}) {
                closeQuietly(c, e);
            }
            throw e;
        }
        textEncoder = te;
        unet = un;
        vaeDecoder = vae;
        tokenizer = tok;
        parameters.put(Component.UNET, namedParameters(unet));
        parameters.put(Component.TEXT_ENCODER, namedParameters(textEncoder));
        loraWeights = new LoraWeights(parameters::get, unet.getNDManager(), mergedBudget, listener);
    }

    /**
     * Loads the bundle's modules on {@code device} (its digests were checked when it was opened), keeping up to {@code mergedBudget} bytes of merged
     * LoRA weights for the sessions that follow (see {@link LoraWeights}).
     */
    public static LoadedModel load(ModelBundle bundle, Device device, long mergedBudget, LoraWeights.Listener listener) {
        EngineSetup.engine();
        return LibTorchExit.work(() -> new LoadedModel(bundle, device, mergedBudget, listener));
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public Device device() {
        return device;
    }

    NoiseSchedule schedule() {
        return schedule;
    }

    /**
     * Takes the model for one submission: waits for other sessions to end, then makes its weights the
     * base's with the LoRA, if any, merged. The next session restores the base or puts its own LoRA
     * in; closing a session lets the next one in.
     */
    public Session open(Optional<LoraAdapter> lora) {
        lock.lock();
        try {
            LibTorchExit.run(() -> loraWeights.use(lora));
            return new Session(lora.map(l -> l.layers().stream().anyMatch(layer -> layer.component() == Component.TEXT_ENCODER)).orElse(false));
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    /** Bytes of merged LoRA weights kept for the sessions to come. */
    public long keptLoraBytes() {
        lock.lock();
        try {
            return loraWeights.keptBytes();
        } finally {
            lock.unlock();
        }
    }

    /** Exclusive use of the model, with a LoRA merged or not. */
    public final class Session implements AutoCloseable {

        private final boolean textEncoderChanged;
        private boolean open = true;

        private Session(boolean textEncoderChanged) {
            this.textEncoderChanged = textEncoderChanged;
        }

        public LoadedModel model() {
            return LoadedModel.this;
        }

        /** Whether the session's LoRA changes the text encoder (else it is the base's). */
        boolean textEncoderChanged() {
            return textEncoderChanged;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                lock.unlock();
            }
        }
    }

    NDManager newManager() {
        return unet.getNDManager().newSubManager(device);
    }

    /** The prompts' token ids, one row per prompt. */
    long[][] tokens(String... prompts) {
        long[][] ids = new long[prompts.length][];
        for (int i = 0; i < prompts.length; i++) {
            ids[i] = tokenizer.ids(prompts[i]);
        }
        return ids;
    }

    /** Hidden states {@code [B, L, D]} of the prompts' token ids, one batch. */
    NDArray encode(NDManager manager, long[][] ids) {
        NDArray tokens = manager.create(ids);
        return forward(textEncoder, "text encoder", new NDList(tokens));
    }

    /** The UNet's output for latent {@code [B, C, h, w]}, timesteps {@code [B]}, hidden states. */
    NDArray predict(NDArray latent, NDArray timesteps, NDArray hidden) {
        NDArray out = forward(unet, "UNet", new NDList(latent, timesteps, hidden));
        if (!out.getShape().equals(latent.getShape())) {
            throw new EngineException(
                    Kind.RENDER_FAILED, bundle.name() + ": the UNet returned " + out.getShape() + " for a latent " + latent.getShape());
        }
        return out;
    }

    /** The VAE decoder's image {@code [B, 3, H, W]} in [-1, 1] for a latent already divided by the scaling factor. */
    NDArray decode(NDArray scaledLatent) {
        return forward(vaeDecoder, "VAE decoder", new NDList(scaledLatent));
    }

    private NDArray forward(Model model, String what, NDList inputs) {
        try {
            NDList out = model.getBlock().forward(new ParameterStore(inputs.head().getManager(), false), inputs, false);
            return out.head();
        } catch (ai.djl.engine.EngineException e) {
            throw translate(what + " failed", e);
        }
    }

    private Model load(String name, String relative) {
        Path file = bundle.file(relative);
        Model model = Model.newInstance(name, device, "PyTorch");
        try {
            model.load(file, null, Map.of("trainParam", "true", "mapLocation", "true"));
            // gradients off on every thread, so that LoRA merges may run on any of them
            model.getBlock().freezeParameters(true);
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            if (e instanceof ai.djl.engine.EngineException engine && isOutOfMemory(engine)) {
                throw translate("loading " + relative, engine);
            }
            throw new EngineException(
                    Kind.LOAD_FAILED, bundle.name() + ": " + relative + " cannot be loaded: " + firstLine(e.getMessage()), e);
        }
    }

    private static Map<String, NDArray> namedParameters(Model model) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            out.put(p.getKey(), p.getValue().getArray());
        }
        return out;
    }

    private EngineException translate(String what, ai.djl.engine.EngineException e) {
        Kind kind = isOutOfMemory(e) ? Kind.OUT_OF_MEMORY : Kind.RENDER_FAILED;
        return new EngineException(kind, bundle.name() + ": " + what + " on " + device + ": " + firstLine(e.getMessage()), e);
    }

    private static boolean isOutOfMemory(ai.djl.engine.EngineException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase();
        return message.contains("out of memory") || message.contains("can't allocate") || message.contains("not enough memory");
    }

    static String firstLine(String message) {
        return message == null ? "(no message)" : message.lines().findFirst().orElse("").strip();
    }

    private static void closeQuietly(AutoCloseable c, Exception primary) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        LibTorchExit.cleanUp(() -> {
            lock.lock();
            try {
                loraWeights.close();
                tokenizer.close();
                textEncoder.close();
                unet.close();
                vaeDecoder.close();
            } finally {
                lock.unlock();
            }
        });
    }
}
