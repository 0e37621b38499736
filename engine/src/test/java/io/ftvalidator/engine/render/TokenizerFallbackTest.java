package io.ftvalidator.engine.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.Fixtures;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.Manifest;
import io.ftvalidator.engine.bundle.ModelBundle;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.render.RenderSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle without tokenizer_config.json takes its prompt length and padding token from tokenizer.json. */
class TokenizerFallbackTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longer than the fixture's 16 tokens: truncation matters. */
    private static final String LONG = "a red circle on a blue background next to a green square under a yellow sky at noon";
    /** Shorter: padding matters. */
    private static final String SHORT = "a red circle";

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

    /** A copy of the fixture base whose tokenizer.json carries what tokenizer_config.json said, and no tokenizer_config.json. */
    private static Path baseWithoutTokenizerConfig(String name, boolean withLengthAndPad) throws IOException {
        Path copy = tmp.resolve(name);
        try (Stream<Path> files = Files.walk(Fixtures.base())) {
            for (Path p : files.sorted().toList()) {
                Path target = copy.resolve(Fixtures.base().relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        Files.delete(copy.resolve(ModelBundle.TOKENIZER_CONFIG));
        if (withLengthAndPad) {
            ObjectNode tokenizer = (ObjectNode) JSON.readTree(copy.resolve(ModelBundle.TOKENIZER).toFile());
            // as transformers' fast tokenizers save them: model_max_length 16, pad_token <pad> (id 0)
            tokenizer.putObject("truncation").put("direction", "Right").put("max_length", 16).put("strategy", "LongestFirst").put("stride", 0);
            ObjectNode padding = tokenizer.putObject("padding");
            padding.putObject("strategy").put("Fixed", 16);
            padding.put("direction", "Right").putNull("pad_to_multiple_of");
            padding.put("pad_id", 0).put("pad_type_id", 0).put("pad_token", "<pad>");
            JSON.writeValue(copy.resolve(ModelBundle.TOKENIZER).toFile(), tokenizer);
        }
        Files.write(copy.resolve(Manifest.FILE_NAME), Manifest.compute(copy).bytes());
        return copy;
    }

    private static RenderedImage render(Path bundle, String prompt) {
        try (ModelCache.Prepared p = cache.prepare(new ModelRef(bundle, Optional.empty()), Optional.empty());
                LoadedModel.Session s = p.open()) {
            return Renderer.render(s, new ImageSpec(42, 0, prompt, RenderSettings.DEFAULTS.withSteps(8)));
        }
    }

    @Test
    void shouldRenderTheSameImagesAsWithTokenizerConfig() throws IOException {
        Path copy = baseWithoutTokenizerConfig("from-tokenizer-json", true);
        assertThat(ModelBundle.open(new ModelRef(copy, Optional.empty()), tmp.resolve("bundles")).tokenizer().modelMaxLength()).isEqualTo(16);
        for (String prompt : new String[] {SHORT, LONG}) {
            RenderedImage expected = render(Fixtures.base(), prompt);
            RenderedImage fallback = render(copy, prompt);
            assertThat(fallback.rgb()).as(prompt).isEqualTo(expected.rgb());
            assertThat(PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, fallback.rgb(), 128, 128))
                    .isEqualTo(PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, expected.rgb(), 128, 128));
        }
    }

    @Test
    void shouldRefuseABundleThatGivesNoPromptLengthAnywhere() throws IOException {
        Path copy = baseWithoutTokenizerConfig("no-length", false);
        assertThatThrownBy(() -> ModelBundle.open(new ModelRef(copy, Optional.empty()), tmp.resolve("bundles")))
                .isInstanceOf(EngineException.class)
                .hasMessage(copy + ": it has no tokenizer/tokenizer_config.json, and tokenizer/tokenizer.json sets no truncation "
                        + "max_length (nor a fixed padding length): the prompt length is unknown");
    }
}
