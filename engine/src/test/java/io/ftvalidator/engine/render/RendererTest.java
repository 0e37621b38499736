package io.ftvalidator.engine.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.ftvalidator.decision.PairScore;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.Fixtures;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.Digests;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.render.Sampler;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renders the fixture models with the real engine. */
class RendererTest {

    private static ModelCache cache;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void open() {
        EngineSetup.configure(2);
        cache = new ModelCache(Device.cpu(), tmp, Long.MAX_VALUE);
    }

    @AfterAll
    static void close() {
        cache.close();
    }

    private static RenderedImage render(String lora, long seed, long index, String prompt, RenderSettings settings) {
        try (ModelCache.Prepared p = cache.prepare(lora == null ? Fixtures.baseRef() : Fixtures.loraRef(lora), Optional.of(Fixtures.baseRef()));
                LoadedModel.Session s = p.open()) {
            return Renderer.render(s, new ImageSpec(seed, index, prompt, settings));
        }
    }

    private static final String PROMPT = "a red circle on a blue background";

    @Test
    void shouldRenderTheSamePngBitForBitTwice() {
        RenderedImage a = render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS);
        RenderedImage b = render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS);
        assertThat(a.width()).isEqualTo(128);
        assertThat(a.height()).isEqualTo(128);
        assertThat(Digests.sha256(a.toPng())).isEqualTo(Digests.sha256(b.toPng()));
    }

    @Test
    void shouldRenderAnyImageAloneFromSeedAndIndex() {
        RenderedImage first = render(null, 42, 3, PROMPT, RenderSettings.DEFAULTS);
        render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS); // another image in between changes nothing
        RenderedImage again = render(null, 42, 3, PROMPT, RenderSettings.DEFAULTS);
        RenderedImage other = render(null, 42, 4, PROMPT, RenderSettings.DEFAULTS);
        assertThat(again.rgb()).isEqualTo(first.rgb());
        assertThat(other.rgb()).isNotEqualTo(first.rgb());
    }

    @Test
    void shouldRenderPicturesNotNoise() {
        RenderedImage image = render(null, 7, 0, PROMPT, RenderSettings.DEFAULTS);
        // a picture: wide range of values, and neighbouring pixels mostly alike
        int min = 255;
        int max = 0;
        long neighbourDiff = 0;
        byte[] rgb = image.rgb();
        for (int i = 0; i < rgb.length; i++) {
            int v = rgb[i] & 0xFF;
            min = Math.min(min, v);
            max = Math.max(max, v);
            if (i >= 3 && (i / 3) % image.width() != 0) {
                neighbourDiff += Math.abs(v - (rgb[i - 3] & 0xFF));
            }
        }
        assertThat(max - min).isGreaterThan(150);
        assertThat((double) neighbourDiff / rgb.length).isLessThan(12.0);
    }

    @Test
    void shouldRestoreTheBaseBitForBitAfterALora() {
        RenderedImage before = render(null, 42, 1, PROMPT, RenderSettings.DEFAULTS);
        RenderedImage withLora = render("honest-1", 42, 1, PROMPT, RenderSettings.DEFAULTS);
        RenderedImage after = render(null, 42, 1, PROMPT, RenderSettings.DEFAULTS);
        assertThat(withLora.rgb()).isNotEqualTo(before.rgb());
        assertThat(after.rgb()).isEqualTo(before.rgb());
    }

    @Test
    void shouldRenderTheSameBitsWithTheGraphOptimizerOnAndOffOnTheCpu() {
        String before = System.getProperty(EngineSetup.GRAPH_OPTIMIZER);
        try {
            byte[][][] runs = new byte[2][][];
            for (int on = 0; on < 2; on++) {
                // DJL reads the switch on every forward call; the optimized plan comes after profiling calls
                System.setProperty(EngineSetup.GRAPH_OPTIMIZER, Boolean.toString(on == 1));
                runs[on] = new byte[][] {
                    render(null, 42, 2, PROMPT, RenderSettings.DEFAULTS).rgb(),
                    render("honest-1", 42, 2, PROMPT, RenderSettings.DEFAULTS).rgb(),
                    render(null, 42, 3, PROMPT, RenderSettings.DEFAULTS.withSampler(Sampler.DDIM).withSteps(20)).rgb(),
                    render(null, 42, 2, PROMPT, RenderSettings.DEFAULTS).rgb(),
                };
            }
            assertThat(runs[1]).isDeepEqualTo(runs[0]);
            assertThat(runs[0][3]).isEqualTo(runs[0][0]);
        } finally {
            if (before == null) {
                System.clearProperty(EngineSetup.GRAPH_OPTIMIZER);
            } else {
                System.setProperty(EngineSetup.GRAPH_OPTIMIZER, before);
            }
        }
    }

    @Test
    void shouldRenderWithDdimAndWithoutGuidance() {
        RenderedImage ddim = render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS.withSampler(Sampler.DDIM).withSteps(20));
        RenderedImage unguided = render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS.withGuidance(1.0).withSteps(20));
        RenderedImage dpm = render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS.withSteps(20));
        assertThat(ddim.rgb()).isNotEqualTo(dpm.rgb());
        assertThat(unguided.rgb()).isNotEqualTo(dpm.rgb());
        // both samplers solve the same ODE: their images are perceptually close
        long a = PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, ddim.rgb(), 128, 128);
        long b = PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, dpm.rgb(), 128, 128);
        assertThat(PairScore.hamming(a, b)).isLessThan(16);
    }

    @Test
    void shouldRenderOtherSizesThatAreMultiplesOfTheFactor() {
        RenderedImage wide = render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS.withSize(192, 128).withSteps(10));
        assertThat(wide.width()).isEqualTo(192);
        assertThat(wide.rgb()).hasSize(192 * 128 * 3);
        assertThatThrownBy(() -> render(null, 42, 0, PROMPT, RenderSettings.DEFAULTS.withSize(100, 128)))
                .isInstanceOf(EngineException.class)
                .hasMessage("image size 100x128 is not a multiple of the model's factor 8");
    }
}
