package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every user error is one line naming the problem, a non-zero exit code and no stack trace. */
class CommandLineErrorsTest {

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    static Run ftval(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Ftval.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    static Path fixtures() {
        return Home.path().resolve("fixtures");
    }

    static Path base() {
        return fixtures().resolve("models/base");
    }

    private Run render(String model, String... more) {
        String[] args = {"render", "--model", model, "--seed", "1", "--prompt", "a red circle", "--out", tmp.resolve("x.png").toString(),
                "--threads", "2", "--steps", "2", "--cache", tmp.resolve("cache").toString()};
        String[] all = new String[args.length + more.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return ftval(all);
    }

    private static void assertOneLineError(Run run, String expected) {
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err().strip()).isEqualTo("ftval: " + expected);
        assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private Path copyOfBase() throws IOException {
        Path copy = tmp.resolve("bundle");
        try (Stream<Path> files = Files.walk(base())) {
            for (Path p : files.sorted().toList()) {
                Path target = copy.resolve(base().relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return copy;
    }

    @Test
    void shouldNameAMissingModel() {
        Path nope = tmp.resolve("nope");
        assertOneLineError(render(nope.toString()), nope + ": no such file or directory");
    }

    @Test
    void shouldNameAWrongDigest() {
        Run run = render(base() + "#sha256=" + "0".repeat(64));
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err()).startsWith("ftval: " + base() + ": sha256 is ").endsWith(", expected " + "0".repeat(64) + "\n");
    }

    @Test
    void shouldNameTheCorruptFileOfABundle() throws IOException {
        Path copy = copyOfBase();
        byte[] unet = Files.readAllBytes(copy.resolve("unet/model.pt"));
        unet[unet.length / 2] ^= 1;
        Files.write(copy.resolve("unet/model.pt"), unet);
        Run run = render(copy.toString());
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err()).startsWith("ftval: " + copy + ": unet/model.pt: sha256 is ").contains(", SHA256SUMS says ");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void shouldNameAMissingFileOfABundle() throws IOException {
        Path copy = copyOfBase();
        Files.delete(copy.resolve("vae/decoder.pt"));
        assertOneLineError(render(copy.toString()), copy + ": vae/decoder.pt is missing (listed in SHA256SUMS)");
    }

    @Test
    void shouldRefuseAModuleThatIsNoTorchScript() throws IOException {
        Path copy = copyOfBase();
        Files.writeString(copy.resolve("unet/model.pt"), "not torchscript");
        Files.delete(copy.resolve("SHA256SUMS"));
        Run run = render(copy.toString());
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err()).startsWith("ftval: " + copy + ": unet/model.pt cannot be loaded: ");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void shouldRefuseALoraWhoseKeysDoNotFitTheBase() {
        Path lora = fixtures().resolve("models/loras/errors/wrong-shape.safetensors");
        Run run = render(lora.toString(), "--base", base().toString());
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err()).startsWith("ftval: " + lora + " does not fit the base: ");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void shouldAskForTheBaseOfALora() {
        Path lora = fixtures().resolve("models/loras/honest-1.safetensors");
        assertOneLineError(render(lora.toString()), lora + " is a LoRA: name the base bundle it applies to");
    }

    @Test
    void shouldRefuseFloat16WithTheReason() {
        assertOneLineError(render(base().toString(), "--device", "cpu", "--precision", "float16"),
                "precision float16 is not available on cpu(): DJL 0.36.0 cannot cast a loaded TorchScript model's weights; render in float32");
    }

    @Test
    void shouldNameAnUnknownDeviceOrPrecision() {
        assertOneLineError(render(base().toString(), "--device", "tpu"), "unknown device 'tpu': use auto, cpu, gpu or gpu:N");
        assertOneLineError(render(base().toString(), "--precision", "int8"), "unknown precision 'int8': use float32 or float16");
    }

    @Test
    void shouldNameAnUnknownWorkerDeviceBeforeStartingAnything() {
        Run run = ftval("cluster", "--worker-device", "gpu", "--worker-device", "npu:1", "--work-dir", tmp.resolve("cluster").toString());
        assertOneLineError(run, "unknown device 'npu:1': use auto, cpu, gpu or gpu:N");
        assertThat(tmp.resolve("cluster")).doesNotExist();
    }

    @Test
    void shouldRenderOnTheFirstGpuOrElseTheCpuAndSayWhich() {
        Run run = render(base().toString(), "--device", "auto");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains(" on ").endsWith(", float32\n");
    }

    @Test
    void shouldNameAFileThatIsNoImage() throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.txt"), "hello");
        Run run = ftval("hash", text.toString());
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err()).startsWith("ftval: " + text + ": ").doesNotContain("Exception");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void shouldExplainAMissingOptionAsUsage() {
        Run run = ftval("render", "--model", base().toString());
        assertThat(run.exit()).isEqualTo(Ftval.USAGE);
        assertThat(run.err()).contains("Missing required options").contains("try: ftval render --help");
    }
}
