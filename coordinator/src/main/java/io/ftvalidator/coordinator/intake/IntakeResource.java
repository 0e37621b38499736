package io.ftvalidator.coordinator.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ftvalidator.coordinator.Problems;
import io.ftvalidator.coordinator.auth.ApiKeyMechanism;
import io.ftvalidator.coordinator.query.Credentials;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import io.ftvalidator.coordinator.query.ValidationQueries;
import io.ftvalidator.schemas.ValidationRequest;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The REST intake, {@code POST /validations}, for authenticated requesters: checks a request's
 * shape ({@link JsonShape}: unknown fields, fractions where integers go) and content
 * ({@link RequestCheck}, the Kafka intake's check), records the caller as its requester, hands it to
 * Kafka (the topic other services write to) and answers 202 Accepted once the broker has it; the
 * Kafka intake ({@link IntakeProcessor}) takes it from there.
 */
@Path("/validations")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(ApiKeyMechanism.ROLE)
public class IntakeResource {

    private static final Logger LOG = Logger.getLogger(IntakeResource.class);

    /** The 202 body. */
    public record Accepted(String validationId, String status, int images, URI statusUrl) {}

    @Inject
    @Channel("validation-requests")
    Emitter<ValidationRequest> requests;

    @Inject
    ValidationQueries queries;

    @Inject
    AdmissionConfig admission;

    @Inject
    SecurityIdentity identity;

    @Context
    HttpHeaders headers;

    /** Reads the body after {@link JsonShape} has listed its problems: unknown fields and fractions refused, never dropped. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a validation", description = "Renders every submission's images under the shared seed and decides which agree.")
    @APIResponse(responseCode = "202", description = "accepted; poll the status URL")
    @APIResponse(responseCode = "400", description = "invalid request; every problem is listed")
    @APIResponse(responseCode = "401", description = "no API key, or an unknown one")
    @APIResponse(responseCode = "409", description = "the validation id is in use")
    public CompletionStage<Response> submit(JsonNode json) {
        if (json == null) {
            return done(Response.status(400).entity(new Problems("invalid request", List.of("the body must be a JSON validation request"))).build());
        }
        List<String> problems = new ArrayList<>();
        JsonShape.check(json, ValidationRequestJson.class, "", problems);
        if (!problems.isEmpty()) {
            return done(Response.status(400).entity(new Problems("invalid request", problems)).build());
        }
        ValidationRequestJson body;
        try {
            body = STRICT.treeToValue(json, ValidationRequestJson.class);
        } catch (JsonProcessingException e) {
            return done(Response.status(400).entity(new Problems("invalid request", List.of(e.getOriginalMessage()))).build());
        }
        long now = System.currentTimeMillis();
        ValidationRequest request = body.toAvro(now, problems);
        request.setRequester(identity.getPrincipal().getName()); // whatever the body says: the caller's credentials
        problems.addAll(RequestCheck.problems(request, now, admission.get()));
        if (!problems.isEmpty()) {
            return done(Response.status(400).entity(new Problems("invalid request", problems)).build());
        }
        String id = request.getValidationId();
        // a quick answer when the id is known here; the Kafka intake decides for good, exactly once (a later
        // request reusing the id goes to the dead letters), so a race between two posts loses nothing
        ValidationQueries.Result existing = queries.find(id, Credentials.of(headers));
        if (existing instanceof ValidationQueries.Local || existing instanceof ValidationQueries.Remote) {
            return done(Response.status(409).entity(new Problems("conflict", List.of("validation id " + id + " is in use"))).build());
        }
        CompletableFuture<Response> answer = new CompletableFuture<>();
        Message<ValidationRequest> message = Message.of(request)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(id).build())
                .withAck(() -> {
                    answer.complete(Response.accepted(new Accepted(id, "ACCEPTED", request.getImages(), URI.create("/validations/" + id)))
                            .location(URI.create("/validations/" + id)).build());
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    LOG.warnf("validation %s: Kafka did not take the request: %s", id, failure.getMessage());
                    answer.complete(Response.status(503).entity(new Problems("unavailable",
                            List.of("the request could not be written to Kafka: " + failure.getMessage()))).build());
                    return CompletableFuture.completedFuture(null);
                });
        MDC.put("validationId", id);
        try {
            LOG.infof("submitted over REST, %d submissions x %d images", request.getSubmissions().size(), request.getImages());
        } finally {
            MDC.remove("validationId");
        }
        requests.send(message);
        return answer;
    }

    private static CompletionStage<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }
}
