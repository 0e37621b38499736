package io.ftvalidator.engine.bundle;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Turns a {@link ModelRef} into local files whose digest has been checked: a folder (directory or
 * zip of one) or a single file. Nothing is loaded before this check passes.
 */
public final class Verified {

    /** A folder on disk whose every file matches its manifest; {@code digest} pins them all. */
    public record Folder(Path root, String digest, String name) {}

    /** A single file whose SHA-256 is {@code digest}. */
    public record File(Path path, String digest) {}

    private Verified() {}

    /**
     * A folder given as a directory or a {@code .zip}. A zip is extracted once into {@code cache},
     * under its digest.
     */
    public static Folder folder(ModelRef ref, Path cache) {
        Path path = ref.path();
        String name = ref.path().toString();
        try {
            if (Files.isDirectory(path)) {
                Manifest manifest = manifestOf(path, name);
                String digest = manifest.digest();
                expect(ref, digest, name);
                manifest.verify(path, name);
                return new Folder(path, digest, name);
            }
            if (Files.isRegularFile(path)) {
                return fromZip(ref, cache);
            }
        } catch (IOException e) {
            throw new EngineException(Kind.NOT_FOUND, name + ": cannot be read: " + e.getMessage(), e);
        }
        throw new EngineException(Kind.NOT_FOUND, name + ": no such file or directory");
    }

    /** A single file, checked against the expected SHA-256 when the caller gives one. */
    public static File file(ModelRef ref) {
        Path path = ref.path();
        if (!Files.isRegularFile(path)) {
            throw new EngineException(Kind.NOT_FOUND, path + ": no such file");
        }
        try {
            String digest = Digests.sha256(path);
            expect(ref, digest, path.toString());
            return new File(path, digest);
        } catch (IOException e) {
            throw new EngineException(Kind.NOT_FOUND, path + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * The digest a caller expects for {@code path}: a folder's (directory, or zip of one: the
     * SHA-256 of its SHA256SUMS), or a single file's SHA-256. Nothing is verified beyond that.
     */
    public static String digestOf(Path path) {
        String name = path.toString();
        try {
            if (Files.isDirectory(path)) {
                return manifestOf(path, name).digest();
            }
            if (!Files.isRegularFile(path)) {
                throw new EngineException(Kind.NOT_FOUND, name + ": no such file or directory");
            }
            if (name.endsWith(".zip")) {
                try (ZipFile zip = new ZipFile(path.toFile())) {
                    return zipManifest(zip, rootPrefix(zip, name), name).digest();
                } catch (ZipException e) {
                    throw new EngineException(Kind.INVALID_BUNDLE, name + ": not a zip (" + e.getMessage() + ")", e);
                }
            }
            return Digests.sha256(path);
        } catch (IOException e) {
            throw new EngineException(Kind.NOT_FOUND, name + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /** The manifest a folder carries, or the canonical one computed from its files. */
    static Manifest manifestOf(Path root, String name) throws IOException {
        Path sums = root.resolve(Manifest.FILE_NAME);
        return Files.isRegularFile(sums)
                ? Manifest.parse(Files.readAllBytes(sums), name)
                : Manifest.compute(root);
    }

    private static void expect(ModelRef ref, String actual, String name) {
        Optional<String> expected = ref.sha256();
        if (expected.isPresent() && !expected.get().equals(actual)) {
            throw new EngineException(
                    Kind.DIGEST_MISMATCH,
                    name + ": sha256 is " + actual + ", expected " + expected.get());
        }
    }

    private static Folder fromZip(ModelRef ref, Path cache) throws IOException {
        String name = ref.path().toString();
        try (ZipFile zip = new ZipFile(ref.path().toFile())) {
            String prefix = rootPrefix(zip, name);
            Manifest manifest = zipManifest(zip, prefix, name);
            String digest = manifest.digest();
            expect(ref, digest, name);
            Path target = cache.resolve(digest);
            if (Files.isDirectory(target)) {
                try {
                    manifest.verify(target, name);
                    return new Folder(target, digest, name);
                } catch (EngineException stale) {
                    // left by an earlier release or a crash: it goes, so that an honest zip of this digest is not failed by it
                    deleteTree(target);
                }
            }
            extract(zip, prefix, manifest, target, name);
            return new Folder(target, digest, name);
        } catch (ZipException e) {
            throw new EngineException(Kind.INVALID_BUNDLE, name + ": not a bundle directory or zip (" + e.getMessage() + ")", e);
        }
    }

    /** The SHA256SUMS of a zipped bundle whose folder starts at {@code prefix}. */
    private static Manifest zipManifest(ZipFile zip, String prefix, String name) throws IOException {
        ZipEntry sums = zip.getEntry(prefix + Manifest.FILE_NAME);
        if (sums == null) {
            throw new EngineException(Kind.INVALID_BUNDLE, name + ": a zipped bundle must carry " + Manifest.FILE_NAME);
        }
        try (InputStream in = zip.getInputStream(sums)) {
            return Manifest.parse(in.readAllBytes(), name);
        }
    }

    /** "" when SHA256SUMS is at the zip's root, "top/" when everything sits in one folder. */
    private static String rootPrefix(ZipFile zip, String name) {
        if (zip.getEntry(Manifest.FILE_NAME) != null) {
            return "";
        }
        List<String> tops = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            String entry = e.nextElement().getName();
            int slash = entry.indexOf('/');
            String top = slash < 0 ? "" : entry.substring(0, slash + 1);
            if (!tops.contains(top)) {
                tops.add(top);
            }
        }
        if (tops.size() == 1 && !tops.get(0).isEmpty()) {
            return tops.get(0);
        }
        throw new EngineException(Kind.INVALID_BUNDLE, name + ": a zipped bundle must carry " + Manifest.FILE_NAME);
    }

    /**
     * Extracts into a staging folder only what the manifest lists, bounded (entries, bytes per
     * entry and in all, compression ratio, each counted as it is inflated, never taken from the
     * zip's own declarations), verifies every file there, and only then moves the folder into
     * place: a zip that fails leaves nothing in the cache.
     */
    private static void extract(ZipFile zip, String prefix, Manifest manifest, Path target, String name) throws IOException {
        if (zip.size() > ZipLimits.MAX_ENTRIES) {
            throw new EngineException(Kind.TOO_LARGE, name + ": " + zip.size() + " entries, more than " + ZipLimits.MAX_ENTRIES);
        }
        Files.createDirectories(target.getParent());
        Path staging = Files.createTempDirectory(target.getParent(), ".extract-");
        try {
            long total = 0;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.isDirectory() || !entry.getName().startsWith(prefix)) {
                    continue;
                }
                String relative = entry.getName().substring(prefix.length());
                Path out = staging.resolve(relative).normalize();
                if (!out.startsWith(staging) || relative.startsWith("/") || relative.contains("\\")) {
                    throw new EngineException(Kind.INVALID_BUNDLE, name + ": entry " + entry.getName() + " leaves the folder");
                }
                if (!relative.equals(Manifest.FILE_NAME) && !manifest.lists(relative)) {
                    throw new EngineException(Kind.INVALID_BUNDLE, name + ": " + relative + " is not listed in " + Manifest.FILE_NAME);
                }
                Files.createDirectories(out.getParent());
                try (InputStream in = zip.getInputStream(entry)) {
                    total += copyBounded(in, out, entry, total, name);
                }
            }
            manifest.verify(staging, name);
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException alreadyThere) {
                // another process extracted the same digest first: theirs is as good as ours
            } catch (IOException raced) {
                if (!Files.isDirectory(target)) {
                    throw raced;
                }
            }
        } finally {
            deleteTree(staging);
        }
    }

    /** Bounds of an untrusted zip's extraction. */
    static final class ZipLimits {
        static final int MAX_ENTRIES = 10_000;
        /** One file of a bundle: a UNet in float32 is about 3.5 GB. */
        static final long MAX_ENTRY_BYTES = 16L << 30;
        static final long MAX_TOTAL_BYTES = 32L << 30;
        /** Inflated size over compressed size beyond which an entry is a zip bomb (weights compress about 1.1:1). */
        static final long MAX_RATIO = 100;
        /** Entries smaller than this may compress better (configuration, vocabulary). */
        static final long RATIO_FREE_BYTES = 1 << 20;

        private ZipLimits() {}
    }

    /** Copies one entry, counting what is inflated against the bounds; returns the bytes written. */
    private static long copyBounded(InputStream in, Path out, ZipEntry entry, long before, String name) throws IOException {
        long compressed = Math.max(1, entry.getCompressedSize());
        long limit = Math.min(ZipLimits.MAX_ENTRY_BYTES, ZipLimits.MAX_TOTAL_BYTES - before);
        long ratioLimit = Math.max(ZipLimits.RATIO_FREE_BYTES, compressed * ZipLimits.MAX_RATIO);
        byte[] buffer = new byte[64 * 1024];
        long written = 0;
        try (var file = Files.newOutputStream(out)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                written += n;
                if (written > limit) {
                    throw new EngineException(Kind.TOO_LARGE, name + ": " + entry.getName() + " inflates past "
                            + (limit == ZipLimits.MAX_ENTRY_BYTES ? "the " + ZipLimits.MAX_ENTRY_BYTES + " bytes a file may"
                                    : "the " + ZipLimits.MAX_TOTAL_BYTES + " bytes a bundle may"));
                }
                if (written > ratioLimit) {
                    throw new EngineException(Kind.TOO_LARGE, name + ": " + entry.getName() + " inflates more than "
                            + ZipLimits.MAX_RATIO + " times its compressed size (a zip bomb)");
                }
                file.write(buffer, 0, n);
            }
        }
        return written;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
