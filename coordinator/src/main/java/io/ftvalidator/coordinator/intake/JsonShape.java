package io.ftvalidator.coordinator.intake;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every way a JSON body differs from the record it is read into, listed at once, before it is
 * read: a field the record does not have (a misspelt {@code imagez} would otherwise be dropped
 * in silence), a number with a fraction where an integer is asked ({@code "images": 2.5} would
 * otherwise become 2), a value of the wrong type. The record's components are the schema.
 */
final class JsonShape {

    private JsonShape() {}

    /** Adds to {@code problems} every difference between {@code node} and the record {@code type}. */
    static void check(JsonNode node, Class<?> type, String where, List<String> problems) {
        if (!node.isObject()) {
            problems.add(name(where, "the body") + " must be a JSON object");
            return;
        }
        Map<String, RecordComponent> fields = Arrays.stream(type.getRecordComponents())
                .collect(Collectors.toMap(RecordComponent::getName, c -> c));
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String path = where.isEmpty() ? field.getKey() : where + "." + field.getKey();
            RecordComponent component = fields.get(field.getKey());
            if (component == null) {
                problems.add(path + " is not a field" + (where.isEmpty() ? "" : " of " + where) + "; the fields are "
                        + fields.keySet().stream().sorted().collect(Collectors.joining(", ")));
            } else {
                value(field.getValue(), component.getGenericType(), path, problems);
            }
        }
    }

    private static final Set<Class<?>> INTEGERS = Set.of(Integer.class, Long.class, BigInteger.class);

    private static void value(JsonNode v, Type type, String where, List<String> problems) {
        if (v.isNull()) {
            return;
        }
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (INTEGERS.contains(raw)) {
            if (!v.isIntegralNumber()) {
                problems.add(where + " must be an integer, got " + v);
            } else if (raw == Integer.class && !v.canConvertToInt() || raw == Long.class && !v.canConvertToLong()) {
                problems.add(where + " is out of range, got " + v);
            }
        } else if (raw == Double.class) {
            if (!v.isNumber()) {
                problems.add(where + " must be a number, got " + v);
            }
        } else if (raw == String.class) {
            if (!v.isTextual()) {
                problems.add(where + " must be a string, got " + v);
            }
        } else if (raw == List.class) {
            if (!v.isArray()) {
                problems.add(where + " must be an array, got " + v.getNodeType().name().toLowerCase());
                return;
            }
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            for (int i = 0; i < v.size(); i++) {
                value(v.get(i), element, where + "[" + i + "]", problems);
            }
        } else if (raw.isRecord()) {
            check(v, raw, where, problems);
        }
    }

    private static String name(String where, String otherwise) {
        return where.isEmpty() ? otherwise : where;
    }
}
