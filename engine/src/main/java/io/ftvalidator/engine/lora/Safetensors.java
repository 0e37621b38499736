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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
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

    /** The most tensors one file may hold (a full SD LoRA has about 1000). */
    static final int MAX_TENSORS = 100_000;
    /** The most dimensions of one tensor. */
    static final int MAX_RANK = 8;

    /** One tensor's header entry, checked: its bytes lie in the file, and no two tensors share bytes. */
    private record Entry(String key, String dtype, int width, long[] shape, long count, long begin, long end) {}

    /**
     * Reads every tensor. The file is untrusted: the header's length, the tensor count, every shape
     * and every offset are checked before anything is allocated, and tensors may not overlap, so
     * what is allocated is bounded by the file's own size (at most twice it, for 16-bit floats).
     */
    static Map<String, Tensor> read(Path file) {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
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
        if (header.size() > MAX_TENSORS + 1) {
            throw notSafetensors(name, header.size() + " tensors, more than " + MAX_TENSORS);
        }
        long dataStart = 8 + headerLength;
        long dataLength = bytes.length - dataStart;
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("__metadata__")) {
                entries.add(entry(field.getKey(), field.getValue(), dataLength, name));
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byOffset.size(); i++) {
            if (byOffset.get(i).begin() < byOffset.get(i - 1).end()) {
                throw notSafetensors(name, "tensors " + byOffset.get(i - 1).key() + " and " + byOffset.get(i).key() + " overlap");
            }
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            tensors.put(e.key(), tensor(buffer, (int) dataStart, e));
        }
        return tensors;
    }

    private static Entry entry(String key, JsonNode info, long dataLength, String name) {
        String dtype = info.path("dtype").asText();
        JsonNode shapeNode = info.path("shape");
        JsonNode offsets = info.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw notSafetensors(name, "tensor " + key + " has no shape or data_offsets");
        }
        if (shapeNode.size() > MAX_RANK) {
            throw notSafetensors(name, "tensor " + key + " has " + shapeNode.size() + " dimensions, more than " + MAX_RANK);
        }
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> throw new EngineException(
                    Kind.INVALID_LORA, name + ": tensor " + key + " has dtype " + dtype + ", expected a float type");
        };
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                JsonNode dim = shapeNode.get(i);
                if (!dim.canConvertToExactIntegral() || !dim.canConvertToLong() || dim.asLong() < 0) {
                    throw notSafetensors(name, "tensor " + key + " has a bad shape " + shapeNode);
                }
                shape[i] = dim.asLong();
                count = Math.multiplyExact(count, shape[i]);
            }
            long bytes = Math.multiplyExact(count, (long) width);
            JsonNode b = offsets.get(0);
            JsonNode e = offsets.get(1);
            if (!b.canConvertToExactIntegral() || !e.canConvertToExactIntegral() || !b.canConvertToLong() || !e.canConvertToLong()) {
                throw notSafetensors(name, "tensor " + key + " has bad data_offsets " + offsets);
            }
            long begin = b.asLong();
            long end = e.asLong();
            if (begin < 0 || end < begin || end - begin != bytes || end > dataLength || count > Integer.MAX_VALUE) {
                throw notSafetensors(name, "tensor " + key + " does not fit the file");
            }
            return new Entry(key, dtype, width, shape, count, begin, end);
        } catch (ArithmeticException overflow) {
            throw notSafetensors(name, "tensor " + key + " has a shape too large to count " + shapeNode);
        }
    }

    private static Tensor tensor(ByteBuffer buffer, int dataStart, Entry e) {
        float[] data = new float[(int) e.count()];
        int at = dataStart + (int) e.begin();
        for (int i = 0; i < data.length; i++, at += e.width()) {
            data[i] = switch (e.dtype()) {
                case "F32" -> buffer.getFloat(at);
                case "F64" -> (float) buffer.getDouble(at);
                case "F16" -> halfToFloat(buffer.getShort(at));
                default -> Float.intBitsToFloat((buffer.getShort(at) & 0xFFFF) << 16);
            };
        }
        return new Tensor(e.shape(), data);
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
