package io.ftvalidator.coordinator.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ftvalidator.coordinator.Problems;
import io.ftvalidator.coordinator.query.ValidationQueries;
import io.ftvalidator.coordinator.query.Credentials;
import io.ftvalidator.coordinator.query.ValidationQueries.Elsewhere;
import io.ftvalidator.coordinator.query.ValidationQueries.Location;
import io.ftvalidator.coordinator.query.ValidationQueries.Nowhere;
import io.ftvalidator.coordinator.renders.RenderStore;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.schemas.ImageRender;
import io.ftvalidator.schemas.ValidationState;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The JSON and images behind the web view's pages ({@code /ui/index.html}, {@code /ui/validation.html}),
 * read from the Kafka Streams stores: validations from the aggregation's store, images from the
 * {@link RenderStore}. Everything of the web view lives under {@code /ui}, so one path rule secures
 * it. With several coordinators, a request for a key another one holds is forwarded to it, and the
 * list gathers every coordinator's part.
 */
@Path("/ui/api/validations")
public class WebViewResource {


    private static final int MAX_LIST = 1000;

    @Inject
    ValidationQueries queries;

    @Inject
    ObjectMapper json;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The newest validations with state, progress and verdict (the web view's list)")
    public Response list(@QueryParam("limit") @DefaultValue("100") int limit, @Context HttpHeaders headers) {
        int n = Math.max(1, Math.min(limit, MAX_LIST));
        List<WebViewJson.Summary> all = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        try {
            ReadOnlyKeyValueStore<String, ValidationState> store =
                    queries.store(ValidationStores.VALIDATIONS, QueryableStoreTypes.<String, ValidationState>keyValueStore());
            try (KeyValueIterator<String, ValidationState> it = store.all()) {
                while (it.hasNext()) {
                    KeyValue<String, ValidationState> kv = it.next();
                    all.add(WebViewJson.Summary.of(kv.value));
                }
            }
            if (!Credentials.of(headers).forwarded()) {
                for (URI peer : queries.peers(ValidationStores.VALIDATIONS)) {
                    HttpResponse<byte[]> r = get(peer.resolve("/ui/api/validations?limit=" + n), Credentials.of(headers));
                    if (r != null && r.statusCode() == 200) {
                        all.addAll(List.of(json.readValue(r.body(), WebViewJson.Summary[].class)));
                    } else {
                        unreachable.add(peer.toString());
                    }
                }
            }
        } catch (InvalidStateStoreException | IllegalStateException e) {
            return unavailable("the store is not ready: " + e.getMessage());
        } catch (IOException e) {
            return unavailable("a coordinator's list cannot be read: " + e.getMessage());
        }
        all.sort(WebViewJson.Summary.NEWEST_FIRST);
        Response.ResponseBuilder answer = Response.ok(all.subList(0, Math.min(n, all.size())));
        if (!unreachable.isEmpty()) {
            answer.header("Warning", "199 - \"not answering: " + String.join(", ", unreachable) + "\"");
        }
        return answer.build();
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One validation for its page: status, decision, prompts, settings and each image's hashes")
    public Response page(@PathParam("id") String id, @Context HttpHeaders headers) {
        return answer(ValidationStores.VALIDATIONS, id, "/ui/api/validations/" + WebViewJson.encode(id), Credentials.of(headers), () -> {
            ValidationState state = queries.store(ValidationStores.VALIDATIONS,
                    QueryableStoreTypes.<String, ValidationState>keyValueStore()).get(id);
            return state == null ? notFound("no validation " + id) : Response.ok(WebViewJson.Page.of(state)).build();
        });
    }

    @GET
    @Path("{id}/renders")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The rendered images kept of a validation (the latest of each image and submission)")
    public Response renders(@PathParam("id") String id, @Context HttpHeaders headers) {
        return answer(RenderStore.NAME, id, "/ui/api/validations/" + WebViewJson.encode(id) + "/renders", Credentials.of(headers),
                () -> Response.ok(latest(id).values().stream().map(WebViewJson.Render::of)
                        .sorted(Comparator.comparing(WebViewJson.Render::image).thenComparing(WebViewJson.Render::submission)).toList()).build());
    }

    @GET
    @Path("{id}/renders/{image}/{submission}")
    @Produces({"image/png", MediaType.APPLICATION_JSON})
    @Operation(summary = "A rendered image as PNG")
    public Response image(@PathParam("id") String id, @PathParam("image") int image, @PathParam("submission") String submission,
            @Context HttpHeaders headers) {
        String path = "/ui/api/validations/" + WebViewJson.encode(id) + "/renders/" + image + "/" + WebViewJson.encode(submission);
        return answer(RenderStore.NAME, id, path, Credentials.of(headers), () -> {
            ImageRender r = latest(id).get(image + "/" + submission);
            if (r == null) {
                return notFound("no image " + image + " of " + submission + " in validation " + id);
            }
            ByteBuffer png = r.getPng().duplicate();
            byte[] bytes = new byte[png.remaining()];
            png.get(bytes);
            // an image never changes once rendered (the same seed renders the same pixels)
            return Response.ok(bytes, "image/png").header("Cache-Control", "private, max-age=3600").build();
        });
    }

    /** The latest image of each {@code image/submission} of a validation, in this coordinator's store. */
    private Map<String, ImageRender> latest(String id) {
        ReadOnlyWindowStore<String, ImageRender> store = queries.store(RenderStore.NAME, QueryableStoreTypes.<String, ImageRender>windowStore());
        Map<String, ImageRender> latest = new LinkedHashMap<>();
        try (WindowStoreIterator<ImageRender> it = store.fetch(id, Instant.EPOCH, Instant.now().plus(Duration.ofDays(1)))) {
            it.forEachRemaining(kv -> latest.put(kv.value.getImageIndex() + "/" + kv.value.getSubmissionId(), kv.value));
        }
        return latest;
    }

    /** Answers from this coordinator's stores when it holds the key, else forwards to the one that does. */
    private Response answer(String store, String key, String path, Credentials caller, Supplier<Response> local) {
        Location location = queries.locate(store, key, caller);
        if (location instanceof Nowhere nowhere) {
            return unavailable(nowhere.why());
        }
        if (location instanceof Elsewhere elsewhere) {
            HttpResponse<byte[]> r = get(elsewhere.base().resolve(path), caller);
            if (r == null) {
                return unavailable(elsewhere.base() + " cannot be reached");
            }
            return Response.status(r.statusCode()).entity(r.body())
                    .type(r.headers().firstValue("Content-Type").orElse(MediaType.APPLICATION_JSON)).build();
        }
        try {
            return local.get();
        } catch (InvalidStateStoreException e) {
            return unavailable("the store is not ready: " + e.getMessage());
        }
    }

    /** A GET of another coordinator as the caller, marked forwarded; null when it cannot be reached. */
    private HttpResponse<byte[]> get(URI uri, Credentials caller) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).header(Credentials.FORWARDED, "1").timeout(Duration.ofSeconds(5)).GET();
            caller.headers().forEach(request::header);
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Response notFound(String why) {
        return Response.status(404).type(MediaType.APPLICATION_JSON).entity(new Problems("not found", List.of(why))).build();
    }

    private static Response unavailable(String why) {
        return Response.status(503).type(MediaType.APPLICATION_JSON).entity(new Problems("unavailable", List.of(why))).build();
    }
}
