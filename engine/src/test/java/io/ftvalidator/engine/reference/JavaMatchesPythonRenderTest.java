package io.ftvalidator.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.ftvalidator.decision.PairScore;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.Fixtures;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.engine.render.Renderer;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.render.RenderSettings;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java engine (DJL, libtorch 2.7) and the Python reference renderer (python/render_reference.py,
 * Debian's torch 1.13) render the same images from the same bundle, seed, index and prompt: the
 * same noise, tokens, schedule and sampler, so what is left is float rounding of two libtorch
 * builds, which 30 sampler steps amplify a little.
 */
class JavaMatchesPythonRenderTest {

    @TempDir
    Path tmp;

    private static final String[] PROMPTS = {
        "a large purple triangle on a white background in sks style",
        "a small orange star on a yellow background in sks style",
        "a green square on a black background",
    };

    @Test
    void shouldRenderWhatThePythonReferenceRenders() throws Exception {
        PythonReference.assumeAvailable();
        EngineSetup.configure(2);
        List<double[]> diffs = new ArrayList<>();
        try (ModelCache cache = new ModelCache(Device.cpu(), tmp.resolve("cache"), Long.MAX_VALUE)) {
            for (String lora : new String[] {null, "honest-1"}) {
                ModelRef model = lora == null ? Fixtures.baseRef() : Fixtures.loraRef(lora);
                for (int i = 0; i < PROMPTS.length; i++) {
                    RenderedImage java;
                    try (ModelCache.Prepared p = cache.prepare(model, Optional.of(Fixtures.baseRef())); LoadedModel.Session s = p.open()) {
                        java = Renderer.render(s, new ImageSpec(42, i, PROMPTS[i], RenderSettings.DEFAULTS));
                    }
                    Path png = tmp.resolve("py-" + lora + "-" + i + ".png");
                    List<String> args = new ArrayList<>(List.of("python/render_reference.py", "--model", Fixtures.base().toString(),
                            "--seed", "42", "--index", Integer.toString(i), "--prompt", PROMPTS[i], "--threads", "2", "--out", png.toString()));
                    if (lora != null) {
                        args.addAll(List.of("--lora", Fixtures.lora(lora).toString()));
                    }
                    PythonReference.Result r = PythonReference.run(args, 300);
                    assertThat(r.exit()).as(r.output()).isZero();
                    diffs.add(compare(java, png));
                }
            }
        }
        for (double[] d : diffs) {
            // d = {mean |Δ| in grey levels, max |Δ|, goimagehash distance}
            System.out.printf("Java vs Python: mean |d| %.5f, max |d| %.0f, pHash distance %.0f%n", d[0], d[1], d[2]);
            assertThat(d[0]).as("mean absolute difference (grey levels)").isLessThan(0.05);
            assertThat(d[1]).as("largest difference (grey levels)").isLessThanOrEqualTo(3);
            assertThat((int) d[2]).as("pHash distance Java vs Python").isLessThanOrEqualTo(1);
        }
    }

    private static double[] compare(RenderedImage java, Path pythonPng) throws Exception {
        BufferedImage py = ImageIO.read(pythonPng.toFile());
        assertThat(py.getWidth()).isEqualTo(java.width());
        assertThat(py.getHeight()).isEqualTo(java.height());
        byte[] rgb = java.rgb();
        long sum = 0;
        int max = 0;
        for (int y = 0; y < java.height(); y++) {
            for (int x = 0; x < java.width(); x++) {
                int p = py.getRGB(x, y);
                int o = (y * java.width() + x) * 3;
                int[] a = {(p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff};
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(a[c] - (rgb[o + c] & 0xff));
                    sum += d;
                    max = Math.max(max, d);
                }
            }
        }
        long hJava = PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, rgb, java.width(), java.height());
        long hPy = PerceptualHash.hash(HashAlgorithm.GOIMAGEHASH, Files.readAllBytes(pythonPng));
        return new double[] {sum / (3.0 * java.width() * java.height()), max, PairScore.hamming(hJava, hPy)};
    }
}
