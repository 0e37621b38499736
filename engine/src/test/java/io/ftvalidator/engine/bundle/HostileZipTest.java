package io.ftvalidator.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zips from untrusted nodes: a bomb, an entry that leaves the folder, an entry the manifest does not
 * list, files that do not match their manifest. Each is refused with its kind, and the cache keeps
 * nothing of it, so that an honest zip of the same digest is served afterwards.
 */
class HostileZipTest {

    @TempDir
    Path tmp;

    /** A zip whose SHA256SUMS lists {@code listed}, holding {@code entries} (name to bytes). */
    private Path zip(String name, Map<String, byte[]> listed, Map<String, byte[]> entries) throws IOException {
        StringBuilder sums = new StringBuilder();
        listed.forEach((path, bytes) -> sums.append(Digests.sha256(bytes)).append("  ").append(path).append('\n'));
        Path zip = tmp.resolve(name);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry(Manifest.FILE_NAME));
            out.write(sums.toString().getBytes(StandardCharsets.UTF_8));
            for (var e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
            }
        }
        return zip;
    }

    private static String digestOf(Map<String, byte[]> listed) {
        StringBuilder sums = new StringBuilder();
        listed.forEach((path, bytes) -> sums.append(Digests.sha256(bytes)).append("  ").append(path).append('\n'));
        return Digests.sha256(sums.toString().getBytes(StandardCharsets.UTF_8));
    }

    private long cached(Path cache) throws IOException {
        if (!Files.exists(cache)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(cache)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void shouldRefuseAZipBombWithoutWritingItOut() throws IOException {
        byte[] zeros = new byte[64 << 20]; // 64 MiB of zeros deflate to about 64 KiB: a ratio of 1000
        Map<String, byte[]> files = new LinkedHashMap<>(Map.of("unet/model.pt", zeros));
        Path bomb = zip("bomb.zip", files, files);
        assertThat(Files.size(bomb)).isLessThan(1 << 20);
        Path cache = tmp.resolve("cache");
        assertThatThrownBy(() -> Verified.folder(new ModelRef(bomb, Optional.of(digestOf(files))), cache))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TOO_LARGE))
                .hasMessage(bomb + ": unet/model.pt inflates more than 100 times its compressed size (a zip bomb)");
        assertThat(cached(cache)).isZero();
    }

    @Test
    void shouldRefuseAnEntryThatLeavesTheFolderOrIsNotListed() throws IOException {
        Map<String, byte[]> listed = Map.of("model_index.json", "{}".getBytes());
        Path traversal = zip("traversal.zip", listed, Map.of("model_index.json", "{}".getBytes(), "../../escaped.sh", "x".getBytes()));
        Path cache = tmp.resolve("cache");
        assertThatThrownBy(() -> Verified.folder(new ModelRef(traversal, Optional.of(digestOf(listed))), cache))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_BUNDLE))
                .hasMessage(traversal + ": entry ../../escaped.sh leaves the folder");
        assertThat(tmp.getParent().resolve("escaped.sh")).doesNotExist();
        Path extra = zip("extra.zip", listed, Map.of("model_index.json", "{}".getBytes(), "unet/extra.pt", "code".getBytes()));
        assertThatThrownBy(() -> Verified.folder(new ModelRef(extra, Optional.of(digestOf(listed))), cache))
                .hasMessage(extra + ": unet/extra.pt is not listed in SHA256SUMS");
        assertThat(cached(cache)).isZero();
    }

    @Test
    void shouldKeepNothingOfAZipWhoseFilesBetrayItsManifestSoAnHonestOneStillLoads() throws IOException {
        Map<String, byte[]> honest = new LinkedHashMap<>();
        honest.put("model_index.json", "{\"ftvalidator_bundle\": 1}".getBytes());
        honest.put("unet/model.pt", "the real weights".getBytes());
        Map<String, byte[]> forged = new LinkedHashMap<>(honest);
        forged.put("unet/model.pt", "other weights".getBytes());
        String digest = digestOf(honest);
        Path bad = zip("bad.zip", honest, forged); // the honest manifest, so the honest digest, over other files
        Path cache = tmp.resolve("cache");
        assertThatThrownBy(() -> Verified.folder(new ModelRef(bad, Optional.of(digest)), cache))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH));
        assertThat(cached(cache)).isZero();
        Path good = zip("good.zip", honest, honest);
        Verified.Folder folder = Verified.folder(new ModelRef(good, Optional.of(digest)), cache);
        assertThat(Files.readString(folder.root().resolve("unet/model.pt"))).isEqualTo("the real weights");
    }

    @Test
    void shouldReplaceAStaleExtractionThatNoLongerMatches() throws IOException {
        Map<String, byte[]> honest = Map.of("model_index.json", "{}".getBytes());
        String digest = digestOf(honest);
        Path cache = tmp.resolve("cache");
        Path stale = cache.resolve(digest).resolve("model_index.json");
        Files.createDirectories(stale.getParent());
        Files.writeString(stale, "left by a crash");
        Verified.Folder folder = Verified.folder(new ModelRef(zip("good.zip", honest, honest), Optional.of(digest)), cache);
        assertThat(Files.readString(folder.root().resolve("model_index.json"))).isEqualTo("{}");
    }

    static void write(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
    }
}
