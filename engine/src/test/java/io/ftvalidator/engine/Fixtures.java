package io.ftvalidator.engine;

import io.ftvalidator.engine.bundle.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Paths of the committed fixtures (fixtures/models/README.md), found from any module's directory. */
public final class Fixtures {

    private Fixtures() {}

    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("fixtures"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no fixtures folder above " + Path.of("").toAbsolutePath());
        }
        return dir.resolve("fixtures");
    }

    public static Path models() {
        return root().resolve("models");
    }

    public static Path base() {
        return models().resolve("base");
    }

    public static ModelRef baseRef() {
        return new ModelRef(base(), Optional.empty());
    }

    public static Path lora(String name) {
        return models().resolve("loras").resolve(name + ".safetensors");
    }

    public static ModelRef loraRef(String name) {
        return new ModelRef(lora(name), Optional.empty());
    }
}
