package io.ftvalidator.coordinator.query;

import jakarta.ws.rs.core.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The caller's credential headers, passed on when a call is forwarded to the coordinator that
 * owns the key, so that the owner answers as it would answer the caller; and whether the call is
 * such a forwarded one (then it is never forwarded again: two coordinators that disagree on the
 * owner during a rebalance answer 503 rather than pass a call back and forth).
 */
public record Credentials(Map<String, String> headers, boolean forwarded) {

    /** The header a forwarded call carries. */
    public static final String FORWARDED = "X-Ftval-Forwarded";

    public static final Credentials NONE = new Credentials(Map.of(), false);

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
        return new Credentials(out, request.getHeaderString(FORWARDED) != null);
    }
}
