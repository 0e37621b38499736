package io.ftvalidator.worker.fetch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Downloaded models on disk, one folder per digest ({@code <sha256>/<file name>}), bounded in
 * bytes: after each download the least recently used folders go until the rest fits. A folder used
 * within the last minutes stays whatever its age (a slot may be about to read it). Partial
 * downloads a killed worker left behind are removed at start.
 */
final class DownloadCache {

    private static final Logger LOG = Logger.getLogger(DownloadCache.class);
    /** Partial downloads are named so; never served. */
    static final String PARTIAL = ".download-";
    private static final Duration IN_USE = Duration.ofMinutes(10);

    private final Path root;
    private final long maxBytes;

    DownloadCache(Path root, long maxBytes) {
        this.root = root;
        this.maxBytes = maxBytes;
        removePartials();
    }

    /** Where the model of {@code sha256} named {@code name} lives. */
    Path entry(String sha256, String name) {
        return root.resolve(sha256).resolve(name);
    }

    /** Marks an entry used now (least recently used goes first). */
    void touch(Path entry) {
        try {
            Files.setLastModifiedTime(entry.getParent(), FileTime.from(Instant.now()));
        } catch (IOException e) {
            LOG.debugf("cannot touch %s: %s", entry, e.getMessage());
        }
    }

    /** Drops least recently used folders until the cache fits its bound. */
    synchronized void trim() {
        if (!Files.isDirectory(root)) {
            return;
        }
        record Folder(Path path, long bytes, FileTime used) {}
        List<Folder> folders = new ArrayList<>();
        try (Stream<Path> list = Files.list(root)) {
            for (Path p : list.filter(Files::isDirectory).toList()) {
                folders.add(new Folder(p, size(p), Files.getLastModifiedTime(p)));
            }
        } catch (IOException e) {
            LOG.warnf("the download cache %s cannot be listed: %s", root, e.getMessage());
            return;
        }
        long total = folders.stream().mapToLong(Folder::bytes).sum();
        FileTime recent = FileTime.from(Instant.now().minus(IN_USE));
        folders.sort(Comparator.comparing(Folder::used));
        for (Folder f : folders) {
            if (total <= maxBytes) {
                break;
            }
            if (f.used().compareTo(recent) > 0) {
                continue;
            }
            deleteTree(f.path());
            total -= f.bytes();
            LOG.infof("download cache: dropped %s (%d MB), least recently used", f.path().getFileName(), f.bytes() >> 20);
        }
    }

    private void removePartials() {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root, 2)) {
            for (Path p : walk.filter(p -> p.getFileName().toString().startsWith(PARTIAL)).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warnf("partial downloads in %s could not be removed: %s", root, e.getMessage());
        }
    }

    private static long size(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warnf("%s could not be removed: %s", root, e.getMessage());
        }
    }
}
