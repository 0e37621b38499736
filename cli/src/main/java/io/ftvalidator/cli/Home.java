package io.ftvalidator.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project is (the ftval launcher says) and where caches go. */
final class Home {

    private Home() {}

    /** The repository root: {@code -Dftval.home}, else the working directory. */
    static Path path() {
        String home = System.getProperty("ftval.home");
        Path p = Path.of(home != null ? home : ".").toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("fixtures"))) {
            throw new IllegalArgumentException(p + " is not the ftvalidator repository: run ./ftval from it");
        }
        return p;
    }

    static Path cache() {
        String env = System.getenv("FTVAL_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "ftvalidator");
    }
}
