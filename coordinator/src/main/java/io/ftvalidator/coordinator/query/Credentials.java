package io.ftvalidator.coordinator.query;

import jakarta.ws.rs.core.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The caller's credential headers, passed on when a query is forwarded to the coordinator that
 * owns the key, so that the owner answers as it would answer the caller.
 */
public record Credentials(Map<String, String> headers) {

    public static final Credentials NONE = new Credentials(Map.of());

    public Credentials {
        headers = Map.copyOf(headers);
    }

    public static Credentials of(HttpHeaders request) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : new String[] {"Authorization", "X-API-Key"}) {
            String value = request.getHeaderString(name);
            if (value != null) {
                out.put(name, value);
            }
        }
        return new Credentials(out);
    }
}
