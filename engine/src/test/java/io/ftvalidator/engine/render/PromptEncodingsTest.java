package io.ftvalidator.engine.render;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.Fixtures;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.lora.LoraAdapterTest;
import io.ftvalidator.render.RenderSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The submissions of a job share their prompt's encoding when their LoRAs leave the text encoder alone. */
class PromptEncodingsTest {

    private static final RenderSettings SETTINGS = RenderSettings.DEFAULTS.withSteps(4);
    private static final String PROMPT = "a small orange star on a yellow background in sks style";

    @TempDir
    static Path tmp;

    private static ModelCache cache;

    @BeforeAll
    static void open() {
        EngineSetup.configure(2);
        cache = new ModelCache(Device.cpu(), tmp.resolve("cache"), Long.MAX_VALUE);
    }

    @AfterAll
    static void close() {
        cache.close();
    }

    private static byte[] render(ModelRef model, PromptEncodings encodings) {
        try (ModelCache.Prepared p = cache.prepare(model, Optional.of(Fixtures.baseRef())); LoadedModel.Session s = p.open()) {
            return Renderer.render(s, new ImageSpec(42, 2, PROMPT, SETTINGS), encodings, RenderProfile.OFF).rgb();
        }
    }

    @Test
    void shouldEncodeAJobsPromptOnceAndRenderTheSameBits() {
        ModelRef[] job = {Fixtures.baseRef(), Fixtures.loraRef("honest-1"), Fixtures.loraRef("honest-2"), Fixtures.loraRef("dishonest-random")};
        PromptEncodings shared = new PromptEncodings(1);
        for (ModelRef model : job) {
            PromptEncodings own = PromptEncodings.none();
            byte[] alone = render(model, own);
            assertThat(own.encoded()).isEqualTo(1);
            assertThat(render(model, shared)).as(model.path().toString()).isEqualTo(alone);
        }
        assertThat(shared.encoded()).isEqualTo(1);
        // another prompt is encoded, and pushes the first out of a set of one
        try (ModelCache.Prepared p = cache.prepare(Fixtures.baseRef(), Optional.empty()); LoadedModel.Session s = p.open()) {
            Renderer.render(s, new ImageSpec(42, 2, "a green square", SETTINGS), shared, RenderProfile.OFF);
        }
        render(Fixtures.baseRef(), shared);
        assertThat(shared.encoded()).isEqualTo(3);
    }

    @Test
    void shouldEncodeOnItsOwnASubmissionWhoseLoraChangesTheTextEncoder() throws Exception {
        Map<String, float[][]> tensors = new LinkedHashMap<>();
        float[] down = new float[64];
        float[] up = new float[64];
        for (int i = 0; i < 64; i++) {
            down[i] = (i % 7 - 3) * 0.05f;
            up[i] = (i % 5 - 2) * 0.05f;
        }
        tensors.put("text_encoder.layers.0.self_attn.q_proj.lora_A.weight", new float[][] {{1, 64}, down});
        tensors.put("text_encoder.layers.0.self_attn.q_proj.lora_B.weight", new float[][] {{64, 1}, up});
        Path file = LoraAdapterTest.write(tmp.resolve("te.safetensors"), tensors, "F32");
        ModelRef textLora = new ModelRef(file, Optional.empty());
        byte[] alone = render(textLora, PromptEncodings.none());
        PromptEncodings shared = new PromptEncodings(1);
        byte[] base = render(Fixtures.baseRef(), shared);
        assertThat(render(textLora, shared)).isEqualTo(alone).isNotEqualTo(base);
        assertThat(render(Fixtures.baseRef(), shared)).isEqualTo(base);
        assertThat(shared.encoded()).isEqualTo(2);
    }
}
