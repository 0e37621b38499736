package io.ftvalidator.cli;

import io.ftvalidator.engine.bundle.ModelRef;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A {@code --model [NAME=]LOCATION[#sha256=HEX]} argument: the submission's id (by default the
 * file name without extension) and its model, a local path or, for {@code submit}, an http(s) URI.
 */
record SubmissionArg(String id, String location, Optional<String> sha256) {

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
        return new SubmissionArg(name != null ? name : defaultId(location), location, ref.sha256());
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

    private static String defaultId(String location) {
        String s = location.replaceAll("[/\\\\]+$", "");
        s = s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1);
        int dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }
}
