package io.ftvalidator.coordinator.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * The requesters this coordinator knows and their API keys, kept only as SHA-256 hashes:
 * {@code ftval.auth.api-keys.<requester>=<sha256 hex of the key>[,<another>]} (several for a
 * rotation). A key is a random secret of at least 128 bits, so one unsalted hash is as strong as a
 * password hash would be; {@code ./ftval api-key} makes one with its hash. docs/security.md.
 */
@ApplicationScoped
public class ApiKeys {

    /** The properties' common prefix. */
    public static final String PREFIX = "ftval.auth.api-keys.";

    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** The property naming the requesters that read every validation (role {@value ApiKeyMechanism#OPERATOR}). */
    public static final String OPERATORS = "ftval.auth.operators";

    private final Map<String, String> requesterByHash;
    private final Set<String> operators;

    ApiKeys(Config config) {
        Map<String, String> hashes = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                config.getOptionalValue(name, String.class).ifPresent(v -> hashes.put(name.substring(PREFIX.length()), v));
            }
        }
        this.requesterByHash = parse(hashes);
        this.operators = config.getOptionalValues(OPERATORS, String.class).orElse(List.of()).stream()
                .map(String::strip).filter(n -> !n.isEmpty()).collect(Collectors.toUnmodifiableSet());
        Set<String> unknown = new TreeSet<>(operators);
        unknown.removeAll(requesterByHash.values());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(OPERATORS + " names requesters without an API key: " + unknown);
        }
    }

    /** Whether {@code requester} reads every validation, not only its own. */
    public boolean isOperator(String requester) {
        return operators.contains(requester);
    }

    /** Requester name to comma-separated key hashes, into hash to requester; every malformed entry listed. */
    static Map<String, String> parse(Map<String, String> hashesByRequester) {
        Map<String, String> out = new HashMap<>();
        List<String> problems = new ArrayList<>();
        hashesByRequester.forEach((rawName, value) -> {
            String name = rawName.length() >= 2 && rawName.startsWith("\"") && rawName.endsWith("\"")
                    ? rawName.substring(1, rawName.length() - 1) : rawName;
            if (!NAME.matcher(name).matches()) {
                problems.add(PREFIX + name + ": a requester's name is letters, digits and . _ - (64 at most)");
                return;
            }
            for (String hash : value.split(",")) {
                String h = hash.strip();
                if (!SHA256.matcher(h).matches()) {
                    problems.add(PREFIX + name + ": each key is given as its SHA-256, 64 lower-case hex digits");
                } else if (out.put(h, name) != null) {
                    problems.add(PREFIX + name + ": a key hash is listed twice");
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the API keys are malformed: " + String.join("; ", problems));
        }
        return Map.copyOf(out);
    }

    /** The requester holding {@code key}, if any. */
    public Optional<String> requester(String key) {
        return Optional.ofNullable(requesterByHash.get(hash(key)));
    }

    /** The SHA-256 of a key, as configured. */
    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void onStart(@Observes StartupEvent event) {
        long requesters = requesterByHash.values().stream().distinct().count();
        if (requesters == 0) {
            LOG.warn("no API keys configured (ftval.auth.api-keys.<requester>): every REST request will be refused with 401");
        } else {
            LOG.infof("%d requester(s) may use the REST API, operator(s) %s", requesters, new TreeSet<>(operators));
        }
    }
}
