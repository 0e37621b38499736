package io.ftvalidator.coordinator.query;

import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.schemas.ValidationState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads a validation's state from the aggregation's store. With several coordinators, the one that
 * owns the key's partition answers: a query for a key owned elsewhere is forwarded to that host
 * ({@code application.server}). {@link #locate} and {@link #store} do the same for any store (the
 * web view's).
 */
@ApplicationScoped
public class ValidationQueries {

    /** Found here, found on another coordinator (its JSON), not found, or not answerable now. */
    public sealed interface Result permits Local, Remote, NotFound, Unavailable {}

    public record Local(ValidationState state) implements Result {}

    public record Remote(String json) implements Result {}

    public record NotFound() implements Result {}

    public record Unavailable(String why) implements Result {}

    @Inject
    KafkaStreams streams;

    @ConfigProperty(name = "quarkus.kafka-streams.application-server")
    Optional<String> self;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Where a store's key is kept: on this coordinator, on another (its base URL), or nowhere right now. */
    public sealed interface Location permits Here, Elsewhere, Nowhere {}

    public record Here() implements Location {}

    public record Elsewhere(URI base) implements Location {}

    public record Nowhere(String why) implements Location {}

    /** @param caller the caller's credentials, passed on when another coordinator owns the key */
    public Result find(String validationId, Credentials caller) {
        Location location = locate(ValidationStores.VALIDATIONS, validationId, caller);
        if (location instanceof Nowhere nowhere) {
            return new Unavailable(nowhere.why());
        }
        if (location instanceof Elsewhere elsewhere) {
            return forward(elsewhere.base(), validationId, caller);
        }
        try {
            ValidationState state = store(ValidationStores.VALIDATIONS, QueryableStoreTypes.<String, ValidationState>keyValueStore()).get(validationId);
            return state == null ? new NotFound() : new Local(state);
        } catch (InvalidStateStoreException e) {
            return new Unavailable("the store is not ready: " + e.getMessage());
        }
    }

    /**
     * The coordinator whose Kafka Streams task holds {@code key} of {@code store} (partitioned by
     * the key's murmur2, as the producers do); a call forwarded here that finds the key elsewhere
     * again finds it {@link Nowhere} (two coordinators naming each other the owner: rebalancing).
     */
    public Location locate(String store, String key, Credentials caller) {
        KeyQueryMetadata owner;
        try {
            owner = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            // before Kafka Streams has started (StreamsNotStartedException), or while it stops
            return new Nowhere("the aggregation is starting: " + e.getMessage());
        }
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return new Nowhere("the aggregation is rebalancing");
        }
        HostInfo active = owner.activeHost();
        if (self.isPresent() && !HostInfo.buildFromEndpoint(self.get()).equals(active) && active.port() > 0) {
            return caller.forwarded() ? new Nowhere("the aggregation is rebalancing (two coordinators name each other the owner)")
                    : new Elsewhere(base(active));
        }
        return new Here();
    }

    /** The base URLs of the other coordinators that hold part of {@code store}. */
    public List<URI> peers(String store) {
        Optional<HostInfo> me = self.map(HostInfo::buildFromEndpoint);
        return streams.streamsMetadataForStore(store).stream().map(StreamsMetadata::hostInfo)
                .filter(h -> h.port() > 0 && me.map(m -> !m.equals(h)).orElse(false))
                .distinct().map(ValidationQueries::base).toList();
    }

    /** This coordinator's part of {@code store}; throws {@link InvalidStateStoreException} while it is not ready. */
    public <T> T store(String store, QueryableStoreType<T> type) {
        return streams.store(StoreQueryParameters.fromNameAndType(store, type));
    }

    private static URI base(HostInfo host) {
        return URI.create("http://" + host.host() + ":" + host.port());
    }

    /** POSTs a request's body to the coordinator that owns its id, as the caller. */
    public HttpResponse<String> forwardSubmission(URI base, String body, Credentials caller) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/validations"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").header(Credentials.FORWARDED, "1")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        caller.headers().forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Result forward(URI base, String validationId, Credentials caller) {
        URI uri = base.resolve("/validations/" + validationId);
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).header(Credentials.FORWARDED, "1").GET();
            caller.headers().forEach(request::header);
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return switch (response.statusCode()) {
                case 200 -> new Remote(response.body());
                case 404 -> new NotFound();
                default -> new Unavailable(uri + " answered " + response.statusCode());
            };
        } catch (IOException e) {
            return new Unavailable(uri + " cannot be reached: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unavailable("interrupted");
        }
    }
}
