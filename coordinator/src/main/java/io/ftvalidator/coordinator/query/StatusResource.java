package io.ftvalidator.coordinator.query;

import io.ftvalidator.coordinator.Problems;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** {@code GET /validations/{id}}: a validation's state, progress and decision, from whichever coordinator owns it. */
@Path("/validations/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {

    @Inject
    ValidationQueries queries;

    @GET
    @Operation(summary = "A validation's state, progress and decision")
    @APIResponse(responseCode = "200", description = "found")
    @APIResponse(responseCode = "404", description = "unknown (a request just accepted appears within a moment)")
    @APIResponse(responseCode = "503", description = "the aggregation cannot answer right now")
    public Response status(@PathParam("id") String id) {
        ValidationQueries.Result result = queries.find(id);
        if (result instanceof ValidationQueries.Local local) {
            return Response.ok(ValidationStatusJson.of(local.state())).build();
        }
        if (result instanceof ValidationQueries.Remote remote) {
            return Response.ok(remote.json()).build();
        }
        if (result instanceof ValidationQueries.Unavailable unavailable) {
            return Response.status(503).entity(new Problems("unavailable", List.of(unavailable.why()))).build();
        }
        return Response.status(404).entity(new Problems("not found", List.of("no validation " + id))).build();
    }
}
