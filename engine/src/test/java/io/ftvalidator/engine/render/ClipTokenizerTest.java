package io.ftvalidator.engine.render;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.Fixtures;
import io.ftvalidator.engine.bundle.TokenizerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exporter's CLIP tokenizer.json, read by DJL's Hugging Face tokenizers as the engine reads it,
 * gives the ids of CLIP's BPE rules on the hand-written golden prompts of fixtures/clip-tokenizer
 * (python/test_clip_tokenizer.py checks the Python reference and the file against the same list).
 */
class ClipTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FOLDER = Fixtures.root().resolve("clip-tokenizer");
    private static final int LENGTH = 77;

    private static PromptTokenizer tokenizer;
    private static JsonNode vocab;

    @BeforeAll
    static void open() throws IOException {
        EngineSetup.configure(1);
        vocab = JSON.readTree(FOLDER.resolve("vocab.json").toFile());
        tokenizer = new PromptTokenizer(
                FOLDER.resolve("tokenizer.json"), new TokenizerConfig(LENGTH, Optional.of("<|endoftext|>")), "clip-tokenizer");
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static long id(String token) {
        JsonNode id = vocab.get(token);
        assertThat(id).as("token %s in vocab.json", token).isNotNull();
        return id.asLong();
    }

    /** diffusers' ids: start, the first L - 2 tokens, end, padded with the pad token. */
    private static long[] expected(JsonNode tokens) {
        List<Long> ids = new ArrayList<>();
        ids.add(id("<|startoftext|>"));
        for (int i = 0; i < tokens.size() && i < LENGTH - 2; i++) {
            ids.add(id(tokens.get(i).asText()));
        }
        ids.add(id("<|endoftext|>"));
        while (ids.size() < LENGTH) {
            ids.add(id("<|endoftext|>"));
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void shouldGiveClipIdsForEveryGoldenPrompt() throws IOException {
        JsonNode cases = JSON.readTree(FOLDER.resolve("golden.json").toFile()).get("cases");
        assertThat(cases.size()).isGreaterThan(30);
        List<String> wrong = new ArrayList<>();
        for (JsonNode c : cases) {
            String prompt = c.get("prompt").asText();
            long[] want = expected(c.get("tokens"));
            long[] got = tokenizer.ids(prompt);
            if (!Arrays.equals(got, want)) {
                wrong.add(c.get("what").asText() + ": " + Arrays.toString(got) + " != " + Arrays.toString(want));
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void shouldTruncateLongPromptsKeepingTheEndToken() {
        long[] ids = tokenizer.ids("a dog ".repeat(60));
        assertThat(ids).hasSize(LENGTH);
        assertThat(ids[0]).isEqualTo(id("<|startoftext|>"));
        assertThat(ids[1]).isEqualTo(id("a</w>"));
        assertThat(ids[LENGTH - 3]).isEqualTo(id("dog</w>"));
        assertThat(ids[LENGTH - 2]).isEqualTo(id("a</w>"));
        assertThat(ids[LENGTH - 1]).isEqualTo(id("<|endoftext|>"));
    }
}
