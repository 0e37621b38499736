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
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads a validation's state from the aggregation's store. With several coordinators, the one that
 * owns the key's partition answers: a query for a key owned elsewhere is forwarded to that host
 * ({@code application.server}).
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

    /** Where a key's state is kept: here, on another coordinator, or nowhere known right now. */
    public sealed interface Owner permits Here, There, NotNow {}

    public record Here() implements Owner {}

    public record There(HostInfo host) implements Owner {}

    public record NotNow(String why) implements Owner {}

    /** @param caller the caller's credentials, passed on when another coordinator owns the key */
    public Result find(String validationId, Credentials caller) {
        Owner owner = owner(validationId, caller);
        if (owner instanceof NotNow notNow) {
            return new Unavailable(notNow.why());
        }
        if (owner instanceof There there) {
            return forward(there.host(), validationId, caller);
        }
        try {
            ReadOnlyKeyValueStore<String, ValidationState> store = streams.store(
                    StoreQueryParameters.fromNameAndType(ValidationStores.VALIDATIONS, QueryableStoreTypes.<String, ValidationState>keyValueStore()));
            ValidationState state = store.get(validationId);
            return state == null ? new NotFound() : new Local(state);
        } catch (InvalidStateStoreException e) {
            return new Unavailable("the store is not ready: " + e.getMessage());
        }
    }

    /** The coordinator owning a key's partition; a forwarded call that lands elsewhere finds it {@link NotNow}. */
    public Owner owner(String validationId, Credentials caller) {
        KeyQueryMetadata owner;
        try {
            owner = streams.queryMetadataForKey(ValidationStores.VALIDATIONS, validationId, Serdes.String().serializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {
            // before Kafka Streams has started (StreamsNotStartedException), or while it stops
            return new NotNow("the aggregation is starting: " + e.getMessage());
        }
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return new NotNow("the aggregation is rebalancing");
        }
        HostInfo active = owner.activeHost();
        if (self.isPresent() && !HostInfo.buildFromEndpoint(self.get()).equals(active) && active.port() > 0) {
            return caller.forwarded() ? new NotNow("the aggregation is rebalancing (two coordinators name each other the owner)")
                    : new There(active);
        }
        return new Here();
    }

    /** POSTs a request's body to the coordinator that owns its id, as the caller. */
    public HttpResponse<String> forwardSubmission(HostInfo host, String body, Credentials caller) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + "/validations"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").header(Credentials.FORWARDED, "1")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        caller.headers().forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Result forward(HostInfo host, String validationId, Credentials caller) {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + "/validations/" + validationId);
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
