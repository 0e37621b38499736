package io.ftvalidator.coordinator.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.schemas.RenderSettings;
import io.smallrye.common.annotation.Blocking;
import io.ftvalidator.validation.Limits;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.Optional;
import io.ftvalidator.coordinator.Problems;
import io.ftvalidator.coordinator.auth.ApiKeyMechanism;
import io.ftvalidator.coordinator.query.Credentials;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import io.ftvalidator.coordinator.query.ValidationQueries;
import io.ftvalidator.coordinator.state.ValidationStores;
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
 * Kafka intake ({@link IntakeProcessor}) takes it from there. A post is answered by the
 * coordinator owning its id's partition (another forwards it there), which holds the id from the
 * first post ({@link IdReservations}: one 202, then 409s) and charges the requester's quota
 * ({@link RequesterQuotas}: 429).
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

    @Inject
    IdReservations reservations;

    @Inject
    RequesterQuotas quotas;

    @Context
    HttpHeaders headers;

    /** Reads the body after {@link JsonShape} has listed its problems: unknown fields and fractions refused, never dropped. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();

    @Inject
    Calibrations calibrations;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a validation", description = "Renders every submission's images under the shared seed and decides which agree.")
    @APIResponse(responseCode = "202", description = "accepted; poll the status URL")
    @APIResponse(responseCode = "400", description = "invalid request; every problem is listed")
    @APIResponse(responseCode = "401", description = "no API key, or an unknown one")
    @APIResponse(responseCode = "409", description = "the validation id is in use")
    @APIResponse(responseCode = "413", description = "the body is larger than a request may be")
    @APIResponse(responseCode = "429", description = "the requester's quota is spent (Retry-After says when it is not)")
    @Blocking // it may look up or forward to another coordinator
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
        // rule and image count from its base's calibration where it names none; the threshold is applied at intake, for Kafka requests too
        ValidationRequest request = body.calibrated(calibrations).toAvro(now, problems);
        request.setRequester(identity.getPrincipal().getName()); // whatever the body says: the caller's credentials
        problems.addAll(RequestCheck.problems(request, now, admission.get()));
        if (!problems.isEmpty()) {
            return done(Response.status(400).entity(new Problems("invalid request", problems)).build());
        }
        String id = request.getValidationId();
        Credentials caller = Credentials.of(headers);
        ValidationQueries.Location owner = queries.locate(ValidationStores.VALIDATIONS, id, caller);
        if (owner instanceof ValidationQueries.Nowhere notNow) {
            // starting or rebalancing: a matter of seconds; clients try again (./ftval does)
            return done(Response.status(503).header("Retry-After", "1").entity(new Problems("unavailable", List.of(notNow.why()))).build());
        }
        if (owner instanceof ValidationQueries.Elsewhere there) {
            // the owner of the id's partition answers every post of it, so that it alone decides 202 or 409
            ((ObjectNode) json).put("validationId", id);
            return forward(there, json, caller);
        }
        if (!reservations.reserve(id, System.nanoTime())) {
            return done(conflict(id));
        }
        if (queries.find(id, caller) instanceof ValidationQueries.Local) {
            return done(conflict(id)); // stays reserved: the id is in use for good
        }
        RenderSettings s = request.getSettings();
        Optional<RequesterQuotas.Refusal> refusal = quotas.charge(request.getRequester(),
                Limits.renderCost(request.getImages(), request.getSubmissions().size(), s.getSteps(), s.getWidth(), s.getHeight()),
                System.nanoTime());
        if (refusal.isPresent()) {
            reservations.release(id);
            Response.ResponseBuilder r = Response.status(429).entity(new Problems("quota", List.of(refusal.get().why())));
            if (refusal.get().retryAfter() != null) {
                r.header("Retry-After", Math.max(1, (refusal.get().retryAfter().toMillis() + 999) / 1000));
            }
            return done(r.build());
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
                    reservations.release(id);
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

    private CompletionStage<Response> forward(ValidationQueries.Elsewhere owner, JsonNode json, Credentials caller) {
        try {
            HttpResponse<String> r = queries.forwardSubmission(owner.base(), json.toString(), caller);
            Response.ResponseBuilder answer = Response.status(r.statusCode()).entity(r.body()).type(MediaType.APPLICATION_JSON);
            r.headers().firstValue("Location").ifPresent(l -> answer.header("Location", l));
            r.headers().firstValue("Retry-After").ifPresent(l -> answer.header("Retry-After", l));
            return done(answer.build());
        } catch (IOException e) {
            return done(Response.status(503).entity(new Problems("unavailable",
                    List.of("the coordinator owning this id cannot be reached: " + e.getMessage()))).build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return done(Response.status(503).entity(new Problems("unavailable", List.of("interrupted"))).build());
        }
    }

    private static Response conflict(String id) {
        return Response.status(409).entity(new Problems("conflict", List.of("validation id " + id + " is in use"))).build();
    }

    private static CompletionStage<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }
}
