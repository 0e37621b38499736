package io.ftvalidator.engine.lora;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.ModelRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Safetensors files from untrusted nodes: every length, shape and offset checked before anything is allocated. */
class HostileSafetensorsTest {

    @TempDir
    Path tmp;

    private Path file(String name, long headerLength, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(json);
        return Files.write(tmp.resolve(name), b.array());
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        return file(name, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private void refused(Path p, String why) {
        assertThatThrownBy(() -> LoraAdapter.read(new ModelRef(p, Optional.empty()), tmp.resolve("cache")))
                .isInstanceOfSatisfying(EngineException.class, e -> org.assertj.core.api.Assertions.assertThat(e.kind()).isEqualTo(Kind.INVALID_LORA))
                .hasMessage(p + ": not a safetensors file (" + why + ")");
    }

    @Test
    void shouldRefuseAHeaderLongerThanTheFileOrTheLimit() throws IOException {
        refused(file("long.safetensors", Long.MAX_VALUE, "{}", 0), "bad header length " + Long.MAX_VALUE);
        refused(file("past-end.safetensors", 1 << 20, "{}", 0), "bad header length 1048576");
    }

    @Test
    void shouldRefuseAShapeWhoseCountOverflowsOrDoesNotFit() throws IOException {
        refused(file("overflow.safetensors", "{\"a.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                + "\"data_offsets\":[0,0]}}", 0), "tensor a.lora_A.weight has a shape too large to count [4294967296,4294967296,16]");
        refused(file("beyond.safetensors", "{\"a.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[1000000,1000],"
                + "\"data_offsets\":[0,4000000000]}}", 16), "tensor a.lora_A.weight does not fit the file");
        refused(file("negative.safetensors", "{\"a.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[-2,-2],"
                + "\"data_offsets\":[0,16]}}", 16), "tensor a.lora_A.weight has a bad shape [-2,-2]");
    }

    @Test
    void shouldRefuseTensorsThatShareBytes() throws IOException {
        // many tensors over the same bytes would allocate far more than the file holds
        refused(file("shared.safetensors", "{\"a.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"a.lora_B.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]}}", 24),
                "tensors a.lora_A.weight and a.lora_B.weight overlap");
    }
}
