package io.ftvalidator.cli;

import io.ftvalidator.engine.bundle.ModelRef;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A {@code --model [NAME=]LOCATION[#sha256=HEX]} argument: the submission's id and its model, a
 * local path or, for {@code submit}, an http(s) URI. Without a NAME the id is the file name without
 * its extension, or, when that clashes with another submission's (every PEFT or diffusers output is
 * {@code adapter_model.safetensors} or {@code pytorch_lora_weights.safetensors}), the name of the
 * folder it is in.
 */
record SubmissionArg(String id, String location, Optional<String> sha256, boolean named) {

    static SubmissionArg parse(String text) {
        String name = null;
        int eq = text.indexOf('=');
        int hash = text.indexOf('#');
        String head = eq > 0 && (hash < 0 || eq < hash) ? text.substring(0, eq) : "";
        if (!head.isEmpty() && !head.contains("/") && !head.contains(":")) {
            name = head;
            text = text.substring(eq + 1);
        }
        ModelRef ref = ModelRef.parse(text); // checks the digest's form
        int mark = text.lastIndexOf("#sha256=");
        String location = mark < 0 ? text : text.substring(0, mark);
        return new SubmissionArg(name != null ? name : fileId(location), location, ref.sha256(), name != null);
    }

    /**
     * The submissions with unique ids: an unnamed one whose file name clashes with another's is
     * named after its folder instead.
     *
     * @throws IllegalArgumentException when even the folders' names clash, naming the clashing models
     */
    static List<SubmissionArg> withUniqueIds(List<SubmissionArg> args) {
        Map<String, Integer> uses = new HashMap<>();
        args.forEach(a -> uses.merge(a.id(), 1, Integer::sum));
        List<SubmissionArg> out = new ArrayList<>();
        for (SubmissionArg a : args) {
            out.add(!a.named() && uses.get(a.id()) > 1 ? new SubmissionArg(folderId(a.location()), a.location(), a.sha256(), false) : a);
        }
        Map<String, List<SubmissionArg>> byId = new LinkedHashMap<>();
        out.forEach(a -> byId.computeIfAbsent(a.id(), k -> new ArrayList<>()).add(a));
        for (var e : byId.entrySet()) {
            if (e.getValue().size() > 1) {
                throw new IllegalArgumentException("submissions " + e.getValue().stream().map(SubmissionArg::location)
                        .collect(Collectors.joining(", ")) + " would all be named '" + e.getKey() + "': name each NAME=PATH");
            }
        }
        return out;
    }

    boolean remote() {
        return location.matches("(?i)https?://.*");
    }

    /** The model as a local path with its expected digest. */
    ModelRef model() {
        if (remote()) {
            throw new IllegalArgumentException(location + ": only submit takes http(s) models; give a local path");
        }
        return new ModelRef(Path.of(location), sha256);
    }

    /** The file or folder name, without its extension. */
    private static String fileId(String location) {
        String s = lastSegment(location);
        int dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }

    /** The name of the folder the model is in (of a URI's path, for a remote one). */
    private static String folderId(String location) {
        String path = location.matches("(?i)https?://.*") ? URI.create(location).getPath() : Path.of(location).toAbsolutePath().normalize().toString();
        String trimmed = path.replaceAll("[/\\\\]+$", "");
        int cut = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
        return cut <= 0 ? fileId(location) : lastSegment(trimmed.substring(0, cut));
    }

    private static String lastSegment(String location) {
        String s = location.replaceAll("[/\\\\]+$", "");
        return s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1);
    }
}
