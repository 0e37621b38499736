package io.ftvalidator.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.bundle.ModelRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading LoRA files in every convention, from files written here. */
public class LoraAdapterTest {

    @TempDir
    Path tmp;

    /** Writes a safetensors file of float32 tensors (shape, then values). */
    public static Path write(Path file, Map<String, float[][]> tensors, String dtype) throws IOException {
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int width = dtype.equals("F32") ? 4 : 2;
        for (var e : tensors.entrySet()) {
            float[] shape = e.getValue()[0];
            float[] values = e.getValue()[1];
            int begin = data.size();
            ByteBuffer b = ByteBuffer.allocate(values.length * width).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                if (width == 4) {
                    b.putFloat(v);
                } else {
                    b.putShort((short) (Float.floatToIntBits(v) >>> 16)); // BF16: the high half
                }
            }
            data.write(b.array());
            StringBuilder s = new StringBuilder();
            for (float d : shape) {
                s.append(s.length() == 0 ? "" : ",").append((int) d);
            }
            header.append(header.length() == 1 ? "" : ",").append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(dtype)
                    .append("\",\"shape\":[").append(s).append("],\"data_offsets\":[").append(begin).append(',').append(data.size()).append("]}");
        }
        header.append(",\"__metadata__\":{\"format\":\"pt\"}}");
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(data.toByteArray());
        return Files.write(file, out.array());
    }

    private static float[][] t(float[] shape, float... values) {
        return new float[][] {shape, values};
    }

    private LoraAdapter read(Map<String, float[][]> tensors) throws IOException {
        return LoraAdapter.read(new ModelRef(write(tmp.resolve("l.safetensors"), tensors, "F32"), Optional.empty()), tmp);
    }

    @Test
    void shouldReadPeftKeysWithAndWithoutPrefixes() throws IOException {
        for (String prefix : new String[] {"unet.", "", "base_model.model.", "base_model.model.unet."}) {
            Map<String, float[][]> m = new LinkedHashMap<>();
            m.put(prefix + "mid.attn.to_q.lora_A.weight", t(new float[] {1, 2}, 1, 2));
            m.put(prefix + "mid.attn.to_q.lora_B.weight", t(new float[] {3, 1}, 1, 1, 1));
            LoraAdapter lora = read(m);
            assertThat(lora.layers()).singleElement().satisfies(l -> {
                assertThat(l.module()).isEqualTo("mid.attn.to_q");
                assertThat(l.component()).isEqualTo(LoraAdapter.Component.UNET);
                assertThat(l.rank()).isEqualTo(1);
                assertThat(l.scale()).isEqualTo(1.0);
            });
        }
    }

    @Test
    void shouldReadDiffusersAndKohyaConventionsWithTheirScales() throws IOException {
        Map<String, float[][]> m = new LinkedHashMap<>();
        m.put("unet.a.to_k.lora.down.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("unet.a.to_k.lora.up.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("b.processor.to_out_lora.down.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("b.processor.to_out_lora.up.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("lora_unet_c_to_v.lora_down.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("lora_unet_c_to_v.lora_up.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("lora_unet_c_to_v.alpha", t(new float[] {}, 1));
        m.put("text_encoder.layer.q.lora_A.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("text_encoder.layer.q.lora_B.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        LoraAdapter lora = read(m);
        assertThat(lora.layers()).extracting(LoraAdapter.Layer::module)
                .containsExactlyInAnyOrder("a.to_k", "b.to_out.0", "c_to_v", "layer.q");
        LoraAdapter.Layer kohya = lora.layers().stream().filter(LoraAdapter.Layer::flat).findFirst().orElseThrow();
        assertThat(kohya.scale()).isEqualTo(0.5);
        assertThat(lora.layers().stream().filter(l -> l.component() == LoraAdapter.Component.TEXT_ENCODER)).hasSize(1);
    }

    @Test
    void shouldReadAPeftAdapterFolderWithAlphaOverRank() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("adapter"));
        Map<String, float[][]> m = new LinkedHashMap<>();
        m.put("base_model.model.x.to_q.lora_A.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("base_model.model.x.to_q.lora_B.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("base_model.model.y.to_q.lora_A.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        m.put("base_model.model.y.to_q.lora_B.weight", t(new float[] {2, 2}, 1, 0, 0, 1));
        write(folder.resolve(LoraAdapter.PEFT_WEIGHTS), m, "F32");
        Files.writeString(folder.resolve(LoraAdapter.PEFT_CONFIG),
                "{\"r\": 8, \"lora_alpha\": 16, \"alpha_pattern\": {\"y.to_q\": 4}}");
        LoraAdapter lora = LoraAdapter.read(new ModelRef(folder, Optional.empty()), tmp);
        assertThat(lora.layers()).extracting(LoraAdapter.Layer::module, LoraAdapter.Layer::scale)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("x.to_q", 2.0), org.assertj.core.groups.Tuple.tuple("y.to_q", 0.5));
    }

    @Test
    void shouldReadBfloat16Tensors() throws IOException {
        Map<String, float[][]> m = new LinkedHashMap<>();
        m.put("m.lora_A.weight", t(new float[] {1, 2}, 1.5f, -2f));
        m.put("m.lora_B.weight", t(new float[] {1, 1}, 0.25f));
        LoraAdapter lora = LoraAdapter.read(new ModelRef(write(tmp.resolve("b.safetensors"), m, "BF16"), Optional.empty()), tmp);
        assertThat(lora.layers().get(0).down().data()).containsExactly(1.5f, -2f);
        assertThat(Safetensors.halfToFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(Safetensors.halfToFloat((short) 0xC000)).isEqualTo(-2.0f);
        assertThat(Safetensors.halfToFloat((short) 0x0001)).isEqualTo(0x1.0p-24f);
    }

    @Test
    void shouldRefuseFilesInNoConventionWithOneLine() throws IOException {
        Map<String, float[][]> m = new LinkedHashMap<>();
        m.put("model.diffusion_model.weight", t(new float[] {1}, 1));
        assertThatThrownBy(() -> read(m)).isInstanceOf(EngineException.class)
                .hasMessage(tmp.resolve("l.safetensors") + ": 1 key(s) in no known LoRA convention, e.g. 'model.diffusion_model.weight'");
        Map<String, float[][]> half = new LinkedHashMap<>();
        half.put("m.lora_A.weight", t(new float[] {1, 2}, 1, 2));
        assertThatThrownBy(() -> read(half)).hasMessageEndingWith("module m has a down but no up matrix");
        Map<String, float[][]> bad = new LinkedHashMap<>();
        bad.put("m.lora_A.weight", t(new float[] {2, 2}, 1, 2, 3, 4));
        bad.put("m.lora_B.weight", t(new float[] {2, 3}, 1, 2, 3, 4, 5, 6));
        assertThatThrownBy(() -> read(bad)).hasMessageEndingWith("module m: up [2, 3] and down [2, 2] are not a low-rank pair");
        Path text = Files.writeString(tmp.resolve("notes.safetensors"), "hello, not tensors");
        assertThatThrownBy(() -> LoraAdapter.read(new ModelRef(text, Optional.empty()), tmp))
                .hasMessageStartingWith(text + ": not a safetensors file");
    }
}
