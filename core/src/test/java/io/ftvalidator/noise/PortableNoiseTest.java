package io.ftvalidator.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java side of the noise golden vectors (fixtures/noise-golden.json, written by
 * python/make_noise_golden.py; python/test_noise.py checks the Python side against the same file).
 */
class PortableNoiseTest {

    private static JsonNode golden;

    @BeforeAll
    static void load() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("fixtures"))) {
            dir = dir.getParent();
        }
        golden = new ObjectMapper().readTree(dir.resolve("fixtures/noise-golden.json").toFile());
    }

    private static int word(JsonNode hex) {
        return Integer.parseUnsignedInt(hex.asText(), 16);
    }

    @Test
    void shouldPassThePhiloxKnownAnswerTests() {
        assertThat(golden.path("kats").size()).isGreaterThanOrEqualTo(3);
        for (JsonNode kat : golden.path("kats")) {
            JsonNode c = kat.path("ctr");
            JsonNode k = kat.path("key");
            int[] out = Philox.block(word(c.get(0)), word(c.get(1)), word(c.get(2)), word(c.get(3)), word(k.get(0)), word(k.get(1)));
            for (int i = 0; i < 4; i++) {
                assertThat(out[i]).as("kat %s word %d", kat, i).isEqualTo(word(kat.path("out").get(i)));
            }
        }
    }

    @Test
    void shouldReproduceEveryGoldenNormalBitForBit() {
        assertThat(golden.path("cases").size()).isGreaterThanOrEqualTo(4);
        for (JsonNode c : golden.path("cases")) {
            long seed = Long.parseUnsignedLong(c.path("seed").asText());
            long index = Long.parseLong(c.path("index").asText());
            float[] normals = PortableNoise.normals(seed, index, c.path("normals").size());
            for (int i = 0; i < normals.length; i++) {
                assertThat(Integer.toHexString(Float.floatToRawIntBits(normals[i])))
                        .as("seed %s index %s normal %d", c.path("seed").asText(), index, i)
                        .isEqualTo(c.path("normals").get(i).asText().replaceFirst("^0+(?=.)", ""));
            }
            for (int stream = 0; stream < 2; stream++) {
                int[] block = PortableNoise.block(seed, index, stream, 0);
                JsonNode expected = c.path("stream" + stream + "_block0");
                for (int w = 0; w < 4; w++) {
                    assertThat(block[w]).isEqualTo(word(expected.get(w)));
                }
            }
            assertThat(PortableNoise.promptChoice(seed, index, 16)).isEqualTo(c.path("prompt_draw_mod_16").asInt());
        }
    }

    @Test
    void shouldReproduceWholeLatentsByDigest() throws Exception {
        int checked = 0;
        for (JsonNode c : golden.path("cases")) {
            if (!c.has("latent_sha256")) {
                continue;
            }
            int count = 1;
            for (JsonNode d : c.path("latent_shape")) {
                count *= d.asInt();
            }
            float[] latent = PortableNoise.normals(Long.parseUnsignedLong(c.path("seed").asText()), Long.parseLong(c.path("index").asText()), count);
            ByteBuffer bytes = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : latent) {
                bytes.putFloat(f);
            }
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
            assertThat(sha).as("latent of seed %s index %s", c.path("seed").asText(), c.path("index").asText())
                    .isEqualTo(c.path("latent_sha256").asText());
            checked++;
        }
        assertThat(checked).as("cases with a latent_sha256").isPositive();
    }

    @Test
    void shouldRefuseAnIndexOutsideThirtyTwoBits() {
        assertThatThrownBy(() -> PortableNoise.normals(1, -1, 4)).hasMessage("image index must be in [0, 2^32), got -1");
        assertThatThrownBy(() -> PortableNoise.promptChoice(1, 0, 0)).hasMessage("the prompt pool is empty");
    }
}
