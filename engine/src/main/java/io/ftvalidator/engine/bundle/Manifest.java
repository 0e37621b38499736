package io.ftvalidator.engine.bundle;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A folder's {@code SHA256SUMS}: the SHA-256 of every file, by relative path. The folder's digest is
 * the SHA-256 of this file's bytes, so it pins every byte of the folder.
 */
public final class Manifest {

    public static final String FILE_NAME = "SHA256SUMS";

    private final TreeMap<String, String> sha256ByPath;
    private final byte[] bytes;

    private Manifest(TreeMap<String, String> sha256ByPath, byte[] bytes) {
        this.sha256ByPath = sha256ByPath;
        this.bytes = bytes;
    }

    /** Reads a {@code SHA256SUMS} text ({@code "<hex>  <path>"} per line, as sha256sum writes). */
    public static Manifest parse(byte[] bytes, String where) {
        TreeMap<String, String> entries = new TreeMap<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            if (space != 64) {
                throw invalid(where, i, "expected '<64 hex digits>  <path>'");
            }
            String hex = line.substring(0, 64).toLowerCase();
            String path = line.substring(space).strip();
            if (path.startsWith("*")) {
                path = path.substring(1);
            }
            if (!hex.matches("[0-9a-f]{64}") || path.isEmpty()) {
                throw invalid(where, i, "expected '<64 hex digits>  <path>'");
            }
            if (path.startsWith("/") || path.contains("\\") || List.of(path.split("/")).contains("..")) {
                throw invalid(where, i, "path '" + path + "' leaves the folder");
            }
            if (entries.put(path, hex) != null) {
                throw invalid(where, i, "'" + path + "' is listed twice");
            }
        }
        if (entries.isEmpty()) {
            throw new EngineException(Kind.INVALID_BUNDLE, where + ": " + FILE_NAME + " lists no file");
        }
        return new Manifest(entries, bytes.clone());
    }

    /** Computes the canonical manifest of every regular file under {@code root}, but SHA256SUMS. */
    public static Manifest compute(Path root) throws IOException {
        TreeMap<String, String> entries = new TreeMap<>();
        for (Path file : listFiles(root)) {
            entries.put(relative(root, file), Digests.sha256(file));
        }
        StringBuilder text = new StringBuilder();
        entries.forEach((path, hex) -> text.append(hex).append("  ").append(path).append('\n'));
        return new Manifest(entries, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Whether {@code relativePath} is one of the listed files. */
    public boolean lists(String relativePath) {
        return sha256ByPath.containsKey(relativePath);
    }

    /** The folder's digest: the SHA-256 of the manifest's bytes. */
    public String digest() {
        return Digests.sha256(bytes);
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Checks that the files under {@code root} are exactly the listed ones with the listed
     * digests; the first difference is an error that names the file.
     */
    public void verify(Path root, String where) throws IOException {
        List<String> present = new ArrayList<>();
        for (Path file : listFiles(root)) {
            present.add(relative(root, file));
        }
        for (String path : present) {
            if (!sha256ByPath.containsKey(path)) {
                throw new EngineException(
                        Kind.INVALID_BUNDLE, where + ": " + path + " is not listed in " + FILE_NAME);
            }
        }
        for (var entry : sha256ByPath.entrySet()) {
            Path file = root.resolve(entry.getKey());
            if (!Files.isRegularFile(file)) {
                throw new EngineException(
                        Kind.INVALID_BUNDLE, where + ": " + entry.getKey() + " is missing (listed in " + FILE_NAME + ")");
            }
            String actual = Digests.sha256(file);
            if (!actual.equals(entry.getValue())) {
                throw new EngineException(
                        Kind.DIGEST_MISMATCH,
                        where + ": " + entry.getKey() + ": sha256 is " + actual + ", " + FILE_NAME + " says " + entry.getValue());
            }
        }
    }

    private static List<Path> listFiles(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !root.relativize(p).toString().equals(FILE_NAME))
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    private static EngineException invalid(String where, int line, String what) {
        return new EngineException(
                Kind.INVALID_BUNDLE, where + ": " + FILE_NAME + " line " + (line + 1) + ": " + what);
    }
}
