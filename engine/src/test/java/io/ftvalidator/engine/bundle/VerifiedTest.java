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
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifiedTest {

    @TempDir
    Path tmp;

    private Path folder;
    private String digest;

    private static final Map<String, String> FILES = new TreeMap<>(Map.of(
            "model_index.json", "{\"ftvalidator_bundle\": 1}",
            "unet/model.pt", "not really torchscript",
            "vae/config.json", "{}"));

    @BeforeEach
    void writeFolder() throws IOException {
        folder = tmp.resolve("bundle");
        for (var e : FILES.entrySet()) {
            Path p = folder.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.getValue());
        }
        Manifest manifest = Manifest.compute(folder);
        Files.write(folder.resolve(Manifest.FILE_NAME), manifest.bytes());
        digest = manifest.digest();
    }

    private static ModelRef ref(Path path, String sha) {
        return new ModelRef(path, Optional.ofNullable(sha));
    }

    @Test
    void shouldWriteAManifestInSha256sumFormat() throws IOException {
        String text = Files.readString(folder.resolve(Manifest.FILE_NAME));
        assertThat(text.lines()).hasSize(3);
        assertThat(text).contains("  unet/model.pt\n");
        assertThat(text.lines().map(l -> l.substring(66))).containsExactly("model_index.json", "unet/model.pt", "vae/config.json");
        assertThat(digest).isEqualTo(Digests.sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldGiveTheSameDigestForTheDirectoryAndItsZip() throws IOException {
        Path zip = zip(tmp.resolve("bundle.zip"), "");
        Path nested = zip(tmp.resolve("nested.zip"), "my-model/");
        Verified.Folder fromDir = Verified.folder(ref(folder, digest), tmp.resolve("cache"));
        Verified.Folder fromZip = Verified.folder(ref(zip, digest), tmp.resolve("cache"));
        Verified.Folder fromNested = Verified.folder(ref(nested, digest), tmp.resolve("cache2"));
        assertThat(fromDir.digest()).isEqualTo(digest);
        assertThat(fromZip.digest()).isEqualTo(digest);
        assertThat(fromNested.digest()).isEqualTo(digest);
        assertThat(fromZip.root()).isEqualTo(tmp.resolve("cache").resolve(digest));
        assertThat(Files.readString(fromNested.root().resolve("unet/model.pt"))).isEqualTo("not really torchscript");
    }

    @Test
    void shouldRefuseAWrongExpectedDigest() {
        String wrong = "0".repeat(64);
        assertThatThrownBy(() -> Verified.folder(ref(folder, wrong), tmp))
                .isInstanceOf(EngineException.class)
                .hasMessage(folder + ": sha256 is " + digest + ", expected " + wrong)
                .extracting(e -> ((EngineException) e).kind()).isEqualTo(Kind.DIGEST_MISMATCH);
    }

    @Test
    void shouldNameATamperedFile() throws IOException {
        Files.writeString(folder.resolve("unet/model.pt"), "tampered");
        assertThatThrownBy(() -> Verified.folder(ref(folder, digest), tmp))
                .hasMessageStartingWith(folder + ": unet/model.pt: sha256 is " + Digests.sha256("tampered".getBytes(StandardCharsets.UTF_8)))
                .hasMessageEndingWith("SHA256SUMS says " + Digests.sha256(FILES.get("unet/model.pt").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldRefuseMissingAndUnlistedFiles() throws IOException {
        Files.writeString(folder.resolve("extra.bin"), "x");
        assertThatThrownBy(() -> Verified.folder(ref(folder, null), tmp))
                .hasMessage(folder + ": extra.bin is not listed in SHA256SUMS");
        Files.delete(folder.resolve("extra.bin"));
        Files.delete(folder.resolve("vae/config.json"));
        assertThatThrownBy(() -> Verified.folder(ref(folder, null), tmp))
                .hasMessage(folder + ": vae/config.json is missing (listed in SHA256SUMS)");
    }

    @Test
    void shouldComputeTheDigestOfAFolderWithoutManifest() throws IOException {
        Files.delete(folder.resolve(Manifest.FILE_NAME));
        assertThat(Verified.folder(ref(folder, digest), tmp).digest()).isEqualTo(digest);
    }

    @Test
    void shouldRefuseAMalformedManifest() throws IOException {
        Files.writeString(folder.resolve(Manifest.FILE_NAME), "abc  unet/model.pt\n");
        assertThatThrownBy(() -> Verified.folder(ref(folder, null), tmp))
                .hasMessage(folder + ": SHA256SUMS line 1: expected '<64 hex digits>  <path>'");
        Files.writeString(folder.resolve(Manifest.FILE_NAME), "a".repeat(64) + "  ../escape\n");
        assertThatThrownBy(() -> Verified.folder(ref(folder, null), tmp))
                .hasMessage(folder + ": SHA256SUMS line 1: path '../escape' leaves the folder");
    }

    @Test
    void shouldRefuseAFolderThatIsNoBundle() {
        assertThatThrownBy(() -> ModelBundle.open(ref(folder, digest), tmp))
                .hasMessage(folder + ": not a model bundle, it has no text_encoder/model.pt")
                .extracting(e -> ((EngineException) e).kind()).isEqualTo(Kind.INVALID_BUNDLE);
    }

    @Test
    void shouldRefuseMissingPathsAndFilesThatAreNoZip() throws IOException {
        assertThatThrownBy(() -> Verified.folder(ref(tmp.resolve("nowhere"), null), tmp))
                .hasMessage(tmp.resolve("nowhere") + ": no such file or directory");
        Path text = Files.writeString(tmp.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> Verified.folder(ref(text, null), tmp))
                .hasMessageStartingWith(text + ": not a bundle directory or zip");
    }

    @Test
    void shouldParseModelRefs() {
        ModelRef r = ModelRef.parse("models/a.zip#sha256=" + "AB".repeat(32));
        assertThat(r.path()).isEqualTo(Path.of("models/a.zip"));
        assertThat(r.sha256()).contains("ab".repeat(32));
        assertThat(ModelRef.parse("plain/dir").sha256()).isEmpty();
        assertThatThrownBy(() -> ModelRef.parse("a.zip#sha256=123"))
                .hasMessage("a SHA-256 is 64 hex digits, got '123'");
    }

    private Path zip(Path target, String prefix) throws IOException {
        try (OutputStream out = Files.newOutputStream(target); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var e : FILES.entrySet()) {
                zip.putNextEntry(new ZipEntry(prefix + e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            zip.putNextEntry(new ZipEntry(prefix + Manifest.FILE_NAME));
            zip.write(Files.readAllBytes(folder.resolve(Manifest.FILE_NAME)));
        }
        return target;
    }
}
