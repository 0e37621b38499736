package io.ftvalidator.engine.bundle;

import io.ftvalidator.engine.EngineException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model named on a command line or in a request: a path, optionally with the SHA-256 the caller
 * expects, written {@code path#sha256=HEX}.
 */
public record ModelRef(Path path, Optional<String> sha256) {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final String MARK = "#sha256=";

    public ModelRef {
        sha256 = sha256.map(h -> h.toLowerCase(Locale.ROOT));
        sha256.ifPresent(ModelRef::requireHex);
    }

    /** Parses {@code path} or {@code path#sha256=HEX}. */
    public static ModelRef parse(String text) {
        int at = text.lastIndexOf(MARK);
        if (at < 0) {
            return new ModelRef(Path.of(text), Optional.empty());
        }
        return new ModelRef(Path.of(text.substring(0, at)), Optional.of(text.substring(at + MARK.length())));
    }

    static void requireHex(String hex) {
        if (!HEX64.matcher(hex).matches()) {
            throw new EngineException(
                    EngineException.Kind.BAD_INPUT,
                    "a SHA-256 is 64 hex digits, got '" + hex + "'");
        }
    }

    @Override
    public String toString() {
        return path + sha256.map(h -> MARK + h).orElse("");
    }
}
