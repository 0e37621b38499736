package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/** Talks to a coordinator's REST API: submit a validation, read its status, wait for its decision. */
final class CoordinatorClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param apiKey the requester's API key (docs/security.md); null sends none, which the coordinator answers 401 */
    CoordinatorClient(String url, String apiKey) {
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
        this.apiKey = apiKey;
    }

    /** How long a submission waits out a coordinator that answers 503. */
    static final Duration UNAVAILABLE_FOR = Duration.ofSeconds(60);

    /** A client of a local cluster, with its own key. */
    static CoordinatorClient of(io.ftvalidator.local.LocalCluster cluster) {
        return new CoordinatorClient(cluster.coordinatorUrl(), cluster.apiKey());
    }

    /**
     * POSTs a request; returns the 202 body, or throws with every problem the coordinator listed.
     * A 503 (the coordinator's aggregation starting or rebalancing) is tried again after its
     * Retry-After, for up to {@link #UNAVAILABLE_FOR}.
     */
    JsonNode submit(ObjectNode request) throws IOException, InterruptedException {
        String json = JSON.writeValueAsString(request);
        long until = System.nanoTime() + UNAVAILABLE_FOR.toNanos();
        HttpResponse<String> r;
        while (true) {
            r = send(HttpRequest.newBuilder(base.resolve("validations"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)));
            if (r.statusCode() != 503 || System.nanoTime() > until) {
                break;
            }
            Thread.sleep(1000 * Math.max(1, Math.min(5, r.headers().firstValueAsLong("Retry-After").orElse(1))));
        }
        JsonNode body = JSON.readTree(r.body().isEmpty() ? "{}" : r.body());
        if (r.statusCode() == 401) {
            throw new IllegalArgumentException(unauthorized());
        }
        if (r.statusCode() != 202) {
            String why = body.path("problems").isArray()
                    ? String.join("; ", JSON.convertValue(body.path("problems"), String[].class))
                    : r.body().isBlank() ? "no reason given" : r.body().strip();
            throw new IllegalArgumentException("the coordinator refused the validation (HTTP " + r.statusCode() + "): " + why);
        }
        return body;
    }

    /** The validation's status, or empty when the coordinator does not know it (yet). */
    Optional<JsonNode> status(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("validations/" + id)).GET());
        if (r.statusCode() == 404 || r.statusCode() == 503) {
            return Optional.empty();
        }
        if (r.statusCode() == 401) {
            throw new IllegalArgumentException(unauthorized());
        }
        if (r.statusCode() != 200) {
            throw new IOException("GET validations/" + id + " answered HTTP " + r.statusCode() + ": " + r.body());
        }
        return Optional.of(JSON.readTree(r.body()));
    }

    /** Polls until the validation is decided (any state but PENDING) or the timeout passes. */
    JsonNode awaitDecision(String id, Duration timeout, Consumer<JsonNode> progress) throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        int lastDone = -1;
        while (System.nanoTime() < until) {
            Optional<JsonNode> status = status(id);
            if (status.isPresent()) {
                JsonNode s = status.get();
                if (!"PENDING".equals(s.path("state").asText())) {
                    return s;
                }
                if (s.path("imagesDone").asInt() != lastDone) {
                    lastDone = s.path("imagesDone").asInt();
                    progress.accept(s);
                }
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException("validation " + id + " was not decided within " + timeout.toSeconds() + " s");
    }

    private String unauthorized() {
        return "the coordinator at " + base + " refused the " + (apiKey == null ? "request without an API key" : "API key")
                + " (HTTP 401): give --api-key or FTVAL_API_KEY (./ftval cluster prints its key)";
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IllegalArgumentException("no coordinator answers at " + base + " (is the cluster running? ./ftval cluster)");
        }
    }
}
