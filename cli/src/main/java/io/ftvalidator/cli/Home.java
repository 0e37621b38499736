package io.ftvalidator.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project is (the ftval launcher says) and where caches go. */
final class Home {

    private Home() {}

    /** The repository root: {@code -Dftval.home}, else the working directory or the nearest folder above it that holds fixtures/. */
    static Path path() {
        String home = System.getProperty("ftval.home");
        Path start = Path.of(home != null ? home : ".").toAbsolutePath().normalize();
        for (Path p = start; p != null && (home == null || p.equals(start)); p = p.getParent()) {
            if (Files.isDirectory(p.resolve("fixtures"))) {
                return p;
            }
        }
        throw new IllegalArgumentException(start + " is not the ftvalidator repository: run ./ftval from it");
    }

    static Path cache() {
        String env = System.getenv("FTVAL_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "ftvalidator");
    }
}
