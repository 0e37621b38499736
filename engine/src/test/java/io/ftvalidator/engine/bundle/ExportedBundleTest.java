package io.ftvalidator.engine.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.ftvalidator.decision.PairScore;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.reference.PythonReference;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.engine.render.Renderer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny synthetic SD 1.x diffusers folder (python/sd_synthetic.py, SD 1.5's block types with small
 * channels) exported by python/export_bundle.py loads in the engine, renders, and takes LoRAs
 * merged by their diffusers module paths; its float16 export renders on the CPU too.
 */
class ExportedBundleTest {

    @TempDir
    static Path tmp;

    private static ModelCache cache;
    private static ModelRef bundle;
    private static ModelRef half;

    private static final String PROMPT = "sks style, a red circle on a blue background";
    private static final RenderSettings SETTINGS = RenderSettings.DEFAULTS.withSteps(4);

    private static void python(List<String> args) throws IOException {
        PythonReference.Result r = PythonReference.run(args, 600);
        assertThat(r.exit()).as(r.output()).isZero();
    }

    private static String export(Path source, Path out, String dtype) throws IOException {
        PythonReference.Result r = PythonReference.run(
                List.of("python/export_bundle.py", source.toString(), out.toString(), "--dtype", dtype, "--threads", "2"), 600);
        assertThat(r.exit()).as(r.output()).isZero();
        List<String> lines = r.output().lines().toList();
        return lines.get(lines.size() - 1);
    }

    @BeforeAll
    static void exportTinyModel() throws IOException {
        PythonReference.assumeAvailable();
        Path source = tmp.resolve("tiny-sd");
        python(List.of("python/sd_synthetic.py", "tiny-folder", source.toString(), "--seed", "5"));
        python(List.of("python/sd_synthetic.py", "tiny-loras", tmp.resolve("loras").toString(), "--seed", "6"));
        String digest = export(source, tmp.resolve("bundle"), "float32");
        export(source, tmp.resolve("bundle-fp16"), "float16");
        // the digest the exporter prints is the one the engine checks
        bundle = ModelRef.parse(tmp.resolve("bundle") + "#sha256=" + digest);
        half = ModelRef.parse(tmp.resolve("bundle-fp16").toString());
        EngineSetup.configure(2);
        cache = new ModelCache(Device.cpu(), tmp.resolve("cache"), Long.MAX_VALUE);
    }

    @AfterAll
    static void close() {
        if (cache != null) {
            cache.close();
        }
    }

    private static RenderedImage render(ModelRef model, String lora, long index) {
        ModelRef ref = lora == null ? model : ModelRef.parse(tmp.resolve("loras").resolve(lora + ".safetensors").toString());
        Optional<ModelRef> base = lora == null ? Optional.empty() : Optional.of(model);
        try (ModelCache.Prepared p = cache.prepare(ref, base);
                LoadedModel.Session s = p.open()) {
            return Renderer.render(s, new ImageSpec(42, index, PROMPT, SETTINGS));
        }
    }

    private static double meanAbsDifference(RenderedImage a, RenderedImage b) {
        long sum = 0;
        for (int i = 0; i < a.rgb().length; i++) {
            sum += Math.abs((a.rgb()[i] & 0xFF) - (b.rgb()[i] & 0xFF));
        }
        return (double) sum / a.rgb().length;
    }

    private static int hashDistance(RenderedImage a, RenderedImage b) {
        return PairScore.hamming(
                PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, a.rgb(), a.width(), a.height()),
                PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, b.rgb(), b.width(), b.height()));
    }

    @Test
    void shouldRenderTheExportedBundleAtItsVaeSampleSizeRepeatably() {
        RenderedImage a = render(bundle, null, 0);
        RenderedImage b = render(bundle, null, 0);
        assertThat(a.width()).isEqualTo(64);
        assertThat(a.height()).isEqualTo(64);
        assertThat(b.rgb()).isEqualTo(a.rgb());
        int min = 255;
        int max = 0;
        for (byte v : a.rgb()) {
            min = Math.min(min, v & 0xFF);
            max = Math.max(max, v & 0xFF);
        }
        assertThat(max - min).as("an image, not a constant").isGreaterThan(64);
    }

    @Test
    void shouldMergeAPeftLoraByDiffusersModulePathAndRestoreTheBase() {
        RenderedImage before = render(bundle, null, 1);
        RenderedImage withLora = render(bundle, "peft-unet", 1);
        RenderedImage after = render(bundle, null, 1);
        // measured 20.7 levels per channel
        assertThat(meanAbsDifference(before, withLora)).isGreaterThan(5.0);
        assertThat(hashDistance(before, withLora)).isGreaterThan(0);
        assertThat(after.rgb()).isEqualTo(before.rgb());
    }

    @Test
    void shouldMergeKohyaAndTextEncoderLorasByName() {
        RenderedImage before = render(bundle, null, 2);
        // measured 2.2 and 17.8 levels per channel (seeds 5 and 6)
        assertThat(meanAbsDifference(before, render(bundle, "kohya-mixed", 2))).isGreaterThan(1.0);
        assertThat(meanAbsDifference(before, render(bundle, "peft-text-encoder", 2))).isGreaterThan(5.0);
    }

    @Test
    void shouldRenderTheFloat16ExportOnTheCpuCloseToFloat32() {
        RenderedImage full = render(bundle, null, 3);
        RenderedImage reduced = render(half, null, 3);
        assertThat(reduced.width()).isEqualTo(64);
        assertThat(meanAbsDifference(full, reduced)).isLessThan(1.0);     // measured 0.09
        RenderedImage reducedLora = render(half, "peft-unet", 3);
        assertThat(meanAbsDifference(reduced, reducedLora)).isGreaterThan(5.0);
        assertThat(render(half, null, 3).rgb()).isEqualTo(reduced.rgb());
    }
}
