package io.ftvalidator.coordinator.query;

import io.ftvalidator.coordinator.Problems;
import io.ftvalidator.coordinator.auth.ApiKeyMechanism;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code GET /validations/{id}}: a validation's state, progress and decision, from whichever
 * coordinator owns it, for the requester that asked for it only.
 */
@Path("/validations/{id}")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(ApiKeyMechanism.ROLE)
public class StatusResource {

    @Inject
    ValidationQueries queries;

    @Inject
    SecurityIdentity identity;

    @Context
    HttpHeaders headers;

    @GET
    @Operation(summary = "A validation's state, progress and decision")
    @APIResponse(responseCode = "200", description = "found")
    @APIResponse(responseCode = "401", description = "no API key, or an unknown one")
    @APIResponse(responseCode = "404", description = "unknown, or another requester's (a request just accepted appears within a moment)")
    @APIResponse(responseCode = "503", description = "the aggregation cannot answer right now")
    public Response status(@PathParam("id") String id) {
        ValidationQueries.Result result = queries.find(id, Credentials.of(headers));
        if (result instanceof ValidationQueries.Local local && readable(local.state().getRequest().getRequester())) {
            return Response.ok(ValidationStatusJson.of(local.state())).build();
        }
        if (result instanceof ValidationQueries.Remote remote) {
            return Response.ok(remote.json()).build();
        }
        if (result instanceof ValidationQueries.Unavailable unavailable) {
            return Response.status(503).entity(new Problems("unavailable", List.of(unavailable.why()))).build();
        }
        // another requester's validation is as unknown as one that does not exist: an id tells nothing
        return Response.status(404).entity(new Problems("not found", List.of("no validation " + id))).build();
    }

    /**
     * Only the requester that asked reads a validation, and the operators (role
     * {@value ApiKeyMechanism#OPERATOR}) read every one. One recorded without a requester (taken
     * before requesters were recorded, or written to the topic without one) is readable by every
     * requester.
     */
    private boolean readable(String owner) {
        return owner.isEmpty() || owner.equals(identity.getPrincipal().getName()) || identity.hasRole(ApiKeyMechanism.OPERATOR);
    }
}
