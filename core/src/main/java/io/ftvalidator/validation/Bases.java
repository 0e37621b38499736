package io.ftvalidator.validation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The base models an operator allows, by digest: the one configuration the coordinator (whose
 * intake refuses a request naming another base) and the workers (which fetch a base only from here,
 * never from a request) both read, from the properties {@code ftval.bases.<name>.sha256} (the
 * bundle's digest) and {@code ftval.bases.<name>.uri} (where a worker fetches it: {@code https:},
 * or {@code file:} on a worker that allows it). docs/security.md has the trust model.
 */
public final class Bases {

    /** The properties' common prefix. */
    public static final String PREFIX = "ftval.bases.";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** One allowed base bundle. */
    public record Base(String name, String sha256, String uri) {}

    private final Map<String, Base> byDigest;

    private Bases(Map<String, Base> byDigest) {
        this.byDigest = byDigest;
    }

    /** No base allowed: only whole bundles, where a deployment allows them. */
    public static Bases none() {
        return new Bases(Map.of());
    }

    /**
     * The allow-list in {@code properties} (every other property is ignored).
     *
     * @throws IllegalArgumentException listing every malformed entry: a base named but without
     *     its digest or URI, a digest that is not 64 lower-case hex digits, a digest listed twice
     */
    public static Bases parse(Map<String, String> properties) {
        Map<String, String[]> entries = new TreeMap<>();
        for (var e : properties.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            String rest = e.getKey().substring(PREFIX.length());
            int dot = rest.lastIndexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            String field = dot < 0 ? "" : rest.substring(dot + 1);
            String[] values = entries.computeIfAbsent(unquote(name), n -> new String[2]);
            switch (field) {
                case "sha256" -> values[0] = e.getValue().strip();
                case "uri" -> values[1] = e.getValue().strip();
                default -> values[0] = values[0] == null ? "" : values[0]; // an unknown field: reported below
            }
        }
        List<String> problems = new ArrayList<>();
        Map<String, Base> byDigest = new TreeMap<>();
        for (var e : entries.entrySet()) {
            String name = e.getKey();
            String sha = e.getValue()[0];
            String uri = e.getValue()[1];
            if (!NAME.matcher(name).matches()) {
                problems.add(PREFIX + name + ": a base's name is letters, digits and . _ - (64 at most)");
            } else if (sha == null || !SHA256.matcher(sha).matches()) {
                problems.add(PREFIX + name + ".sha256 must be the bundle's digest, 64 lower-case hex digits");
            } else if (uri == null || uri.isEmpty()) {
                problems.add(PREFIX + name + ".uri is required: where workers fetch the base");
            } else if (byDigest.put(sha, new Base(name, sha, uri)) != null) {
                problems.add(PREFIX + name + ".sha256 is listed twice");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the base allow-list is malformed: " + String.join("; ", problems));
        }
        return new Bases(Map.copyOf(byDigest));
    }

    public Optional<Base> byDigest(String sha256) {
        return Optional.ofNullable(sha256 == null ? null : byDigest.get(sha256));
    }

    public Collection<Base> all() {
        return byDigest.values();
    }

    public boolean isEmpty() {
        return byDigest.isEmpty();
    }

    /** A map key written {@code ftval.bases."sd-1.5".sha256} arrives with its quotes. */
    private static String unquote(String name) {
        return name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"") ? name.substring(1, name.length() - 1) : name;
    }
}
