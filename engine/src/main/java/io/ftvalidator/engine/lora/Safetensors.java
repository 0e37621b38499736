package io.ftvalidator.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file (8-byte little-endian header length, JSON header, raw
 * little-endian data) into float32 tensors. F32, F16, BF16 and F64 are accepted.
 */
final class Safetensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {}

    static Map<String, Tensor> read(Path file) {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new EngineException(Kind.NOT_FOUND, name + ": cannot be read: " + e.getMessage(), e);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8) {
            throw notSafetensors(name, "shorter than its header");
        }
        long headerLength = buffer.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
            throw notSafetensors(name, "bad header length " + headerLength);
        }
        JsonNode header;
        try {
            header = JSON.readTree(bytes, 8, (int) headerLength);
        } catch (IOException e) {
            throw notSafetensors(name, "header is not JSON");
        }
        if (header == null || !header.isObject()) {
            throw notSafetensors(name, "header is not a JSON object");
        }
        int dataStart = 8 + (int) headerLength;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equals("__metadata__")) {
                continue;
            }
            tensors.put(field.getKey(), tensor(buffer, dataStart, field.getKey(), field.getValue(), name));
        }
        return tensors;
    }

    private static Tensor tensor(ByteBuffer buffer, int dataStart, String key, JsonNode info, String name) {
        String dtype = info.path("dtype").asText();
        JsonNode shapeNode = info.path("shape");
        JsonNode offsets = info.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw notSafetensors(name, "tensor " + key + " has no shape or data_offsets");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            count *= shape[i];
        }
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> throw new EngineException(
                    Kind.INVALID_LORA, name + ": tensor " + key + " has dtype " + dtype + ", expected a float type");
        };
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end - begin != count * width || dataStart + end > buffer.capacity() || count > Integer.MAX_VALUE) {
            throw notSafetensors(name, "tensor " + key + " does not fit the file");
        }
        float[] data = new float[(int) count];
        int at = dataStart + (int) begin;
        for (int i = 0; i < data.length; i++, at += width) {
            data[i] = switch (dtype) {
                case "F32" -> buffer.getFloat(at);
                case "F64" -> (float) buffer.getDouble(at);
                case "F16" -> halfToFloat(buffer.getShort(at));
                default -> Float.intBitsToFloat((buffer.getShort(at) & 0xFFFF) << 16);
            };
        }
        return new Tensor(shape, data);
    }

    /** IEEE 754 binary16 to float32, exactly (every half is a float). */
    static float halfToFloat(short half) {
        int bits = half & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1.0p-24f; // subnormal or zero
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static EngineException notSafetensors(String name, String why) {
        return new EngineException(Kind.INVALID_LORA, name + ": not a safetensors file (" + why + ")");
    }
}
