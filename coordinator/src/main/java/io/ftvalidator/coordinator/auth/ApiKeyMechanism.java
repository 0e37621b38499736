package io.ftvalidator.coordinator.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Authenticates a requester by its API key, sent as {@code Authorization: Bearer <key>},
 * {@code X-API-Key: <key>}, or, for a browser on the web view, HTTP Basic with the key as the
 * password (any user name): the web view's pages answer a challenge for Basic, so a browser asks. A request without a key is anonymous, and the paths that need a
 * requester answer it 401 (application.properties); a wrong key is 401 too. Every requester has
 * the role {@value #ROLE}; those named in {@code ftval.auth.operators} have {@value #OPERATOR} too.
 */
@ApplicationScoped
public class ApiKeyMechanism implements HttpAuthenticationMechanism {

    /** The role every authenticated requester has. */
    public static final String ROLE = "requester";
    /** The role of the requesters named in {@code ftval.auth.operators}: they read every validation. */
    public static final String OPERATOR = "operator";
    static final String HEADER = "X-API-Key";

    /** A presented key, to be checked. */
    public static final class ApiKeyRequest extends BaseAuthenticationRequest {
        final String key;

        ApiKeyRequest(String key) {
            this.key = key;
        }
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String key = key(context);
        return key == null ? Uni.createFrom().optional(java.util.Optional.empty()) : identities.authenticate(new ApiKeyRequest(key));
    }

    /** The key in the request's headers, or null. */
    static String key(RoutingContext context) {
        String header = context.request().getHeader(HEADER);
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        String authorization = context.request().getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String key = authorization.substring(7).strip();
            return key.isEmpty() ? null : key;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(java.util.Base64.getDecoder().decode(authorization.substring(6).strip()),
                        java.nio.charset.StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                String key = colon < 0 ? "" : pair.substring(colon + 1).strip();
                return key.isEmpty() ? null : key;
            } catch (IllegalArgumentException e) {
                return null; // not base64: no key, so 401
            }
        }
        return null;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        // a browser opening the web view asks its user for the key (as the password) on a Basic challenge
        String scheme = context.normalizedPath().startsWith("/ui") ? "Basic" : "Bearer";
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", scheme + " realm=\"ftvalidator\""));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }

    /** Checks a key against the configured hashes. */
    @ApplicationScoped
    public static class Provider implements IdentityProvider<ApiKeyRequest> {

        private final ApiKeys keys;

        Provider(ApiKeys keys) {
            this.keys = keys;
        }

        @Override
        public Class<ApiKeyRequest> getRequestType() {
            return ApiKeyRequest.class;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
            return keys.requester(request.key)
                    .map(name -> {
                        QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                                .setPrincipal(new QuarkusPrincipal(name)).addRole(ROLE);
                        if (keys.isOperator(name)) {
                            identity.addRole(OPERATOR);
                        }
                        return Uni.createFrom().<SecurityIdentity>item(identity.build());
                    })
                    .orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("unknown API key")));
        }
    }
}
