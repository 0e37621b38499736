package io.ftvalidator.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.bundle.Verified;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA read from any of the conventions in docs/lora.md, as a list of low-rank weight deltas
 * {@code scale * up @ down} on named modules of the UNet (or the text encoder). Reading checks the
 * file's own consistency; whether the modules exist in a base model is checked when merging.
 */
public final class LoraAdapter {

    /** The network a LoRA layer modifies. */
    public enum Component {
        UNET,
        TEXT_ENCODER
    }

    /**
     * One low-rank delta. {@code module} is a dotted module path, or for kohya files the path with
     * every dot replaced by an underscore ({@code flat}), resolved against the base when merging.
     */
    public record Layer(Component component, String module, boolean flat, Tensor down, Tensor up, double scale) {

        public int rank() {
            return (int) down.size(0);
        }
    }

    public static final String PEFT_CONFIG = "adapter_config.json";
    public static final String PEFT_WEIGHTS = "adapter_model.safetensors";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROCESSOR = Pattern.compile("(.*)\\.processor\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight");
    private static final String[][] SUFFIXES = {
        {".lora_A.weight", "down"}, {".lora_B.weight", "up"},
        {".lora.down.weight", "down"}, {".lora.up.weight", "up"},
        {".lora_down.weight", "down"}, {".lora_up.weight", "up"},
        {".alpha", "alpha"},
    };

    private final String name;
    private final String digest;
    private final List<Layer> layers;

    private LoraAdapter(String name, String digest, List<Layer> layers) {
        this.name = name;
        this.digest = digest;
        this.layers = List.copyOf(layers);
    }

    /** Reads a LoRA file, or a PEFT adapter folder, after checking its digest. */
    public static LoraAdapter read(ModelRef ref, Path cache) {
        if (Files.isDirectory(ref.path())) {
            Verified.Folder folder;
            try {
                folder = Verified.folder(ref, cache);
            } catch (EngineException e) {
                // a LoRA folder whose manifest is wrong is an invalid LoRA, not a broken base bundle
                throw e.kind() == Kind.INVALID_BUNDLE ? new EngineException(Kind.INVALID_LORA, e.getMessage(), e) : e;
            }
            Path config = folder.root().resolve(PEFT_CONFIG);
            Path weights = folder.root().resolve(PEFT_WEIGHTS);
            if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) {
                throw new EngineException(
                        Kind.INVALID_LORA, folder.name() + ": a LoRA folder must hold " + PEFT_CONFIG + " and " + PEFT_WEIGHTS);
            }
            return new LoraAdapter(folder.name(), folder.digest(), layers(Safetensors.read(weights), peftScale(config), folder.name()));
        }
        Verified.File file = Verified.file(ref);
        return new LoraAdapter(file.path().toString(), file.digest(), layers(Safetensors.read(file.path()), null, file.path().toString()));
    }

    public String name() {
        return name;
    }

    public String digest() {
        return digest;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** lora_alpha / r of a PEFT adapter, with its per-module rank and alpha patterns. */
    private record PeftScale(double alpha, double rank, Map<String, Double> alphaPattern, Map<String, Double> rankPattern) {

        double scaleFor(String module) {
            return valueFor(module, alphaPattern, alpha) / valueFor(module, rankPattern, rank);
        }

        private static double valueFor(String module, Map<String, Double> patterns, double fallback) {
            for (var entry : patterns.entrySet()) {
                if (Pattern.matches("(.*\\.)?" + entry.getKey(), module)) {
                    return entry.getValue();
                }
            }
            return fallback;
        }
    }

    private static PeftScale peftScale(Path config) {
        JsonNode json;
        try {
            json = JSON.readTree(config.toFile());
        } catch (IOException e) {
            throw new EngineException(Kind.INVALID_LORA, config + ": not valid JSON");
        }
        double r = json.path("r").asDouble(0);
        double alpha = json.path("lora_alpha").asDouble(r);
        if (!(r > 0)) {
            throw new EngineException(Kind.INVALID_LORA, config + ": r must be a positive number");
        }
        if (json.path("use_dora").asBoolean(false)) {
            throw new EngineException(Kind.INVALID_LORA, config + ": DoRA adapters are not supported");
        }
        return new PeftScale(alpha, r, numbers(json.path("alpha_pattern")), numbers(json.path("rank_pattern")));
    }

    private static Map<String, Double> numbers(JsonNode node) {
        Map<String, Double> out = new TreeMap<>();
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        return out;
    }

    private static List<Layer> layers(Map<String, Tensor> tensors, PeftScale peft, String name) {
        record Parts(Tensor down, Tensor up, Tensor alpha) {}
        Map<String, Parts> byModule = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        for (var entry : tensors.entrySet()) {
            Optional<String[]> parsed = parseKey(entry.getKey());
            if (parsed.isEmpty()) {
                unknown.add(entry.getKey());
                continue;
            }
            String module = parsed.get()[0];
            String role = parsed.get()[1];
            Parts old = byModule.getOrDefault(module, new Parts(null, null, null));
            Tensor t = entry.getValue();
            byModule.put(module, switch (role) {
                case "down" -> new Parts(t, old.up(), old.alpha());
                case "up" -> new Parts(old.down(), t, old.alpha());
                default -> new Parts(old.down(), old.up(), t);
            });
        }
        if (!unknown.isEmpty()) {
            throw new EngineException(
                    Kind.INVALID_LORA,
                    name + ": " + unknown.size() + " key(s) in no known LoRA convention, e.g. '" + unknown.get(0) + "'");
        }
        if (byModule.isEmpty()) {
            throw new EngineException(Kind.INVALID_LORA, name + ": holds no LoRA weights");
        }
        List<Layer> layers = new ArrayList<>();
        for (var entry : byModule.entrySet()) {
            String key = entry.getKey();
            Parts parts = entry.getValue();
            Component component = key.startsWith("text_encoder:") ? Component.TEXT_ENCODER : Component.UNET;
            String module = key.substring(key.indexOf(':') + 1);
            boolean flat = module.startsWith("~");
            module = flat ? module.substring(1) : module;
            if (parts.down() == null || parts.up() == null) {
                throw new EngineException(
                        Kind.INVALID_LORA, name + ": module " + module + " has " + (parts.down() == null ? "an up but no down" : "a down but no up") + " matrix");
            }
            Tensor down = parts.down();
            Tensor up = parts.up();
            if (down.rank() < 2 || up.rank() < 2 || up.size(1) != down.size(0) || up.rowSize() != down.size(0)) {
                throw new EngineException(
                        Kind.INVALID_LORA,
                        name + ": module " + module + ": up " + up.shapeText() + " and down " + down.shapeText() + " are not a low-rank pair");
            }
            double rank = down.size(0);
            double scale;
            if (parts.alpha() != null) {
                scale = parts.alpha().data()[0] / rank;
            } else if (peft != null) {
                scale = peft.scaleFor(module);
            } else {
                scale = 1.0;
            }
            layers.add(new Layer(component, module, flat, down, up, scale));
        }
        return layers;
    }

    /**
     * {@code [component:module, role]} for a key, the module prefixed with {@code ~} when it is a
     * kohya flat name.
     */
    static Optional<String[]> parseKey(String key) {
        String k = key;
        if (k.startsWith("base_model.model.")) {
            k = k.substring("base_model.model.".length());
        }
        String component = "unet";
        boolean flat = false;
        if (k.startsWith("unet.")) {
            k = k.substring(5);
        } else if (k.startsWith("text_encoder.")) {
            component = "text_encoder";
            k = k.substring(13);
        } else if (k.startsWith("lora_unet_")) {
            k = k.substring(10);
            flat = true;
        } else if (k.startsWith("lora_te_")) {
            component = "text_encoder";
            k = k.substring(8);
            flat = true;
        }
        Matcher processor = PROCESSOR.matcher(k);
        if (processor.matches()) {
            String projection = processor.group(2).equals("to_out") ? "to_out.0" : processor.group(2);
            return Optional.of(new String[] {component + ":" + processor.group(1) + "." + projection, processor.group(3)});
        }
        for (String[] suffix : SUFFIXES) {
            if (k.endsWith(suffix[0]) && k.length() > suffix[0].length()) {
                String module = k.substring(0, k.length() - suffix[0].length());
                return Optional.of(new String[] {component + ":" + (flat ? "~" : "") + module, suffix[1]});
            }
        }
        return Optional.empty();
    }
}
