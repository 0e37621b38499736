package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "status", description = "Shows a validation's state, progress and verdict, from a running coordinator.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClusterOptions cluster;

    @Parameters(paramLabel = "ID")
    String id;

    @Option(names = "--wait", description = "wait for the decision, showing progress")
    boolean await;

    @Option(names = "--json", description = "print the coordinator's JSON")
    boolean json;

    @Option(names = "--timeout", defaultValue = "900", description = "seconds to wait at most (default: ${DEFAULT-VALUE})")
    long timeout;

    @Override
    public Integer call() throws IOException, InterruptedException {
        CoordinatorClient client = new CoordinatorClient(cluster.url());
        PrintWriter out = spec.commandLine().getOut();
        JsonNode status;
        if (await) {
            status = client.awaitDecision(id, Duration.ofSeconds(timeout), s -> StatusPrinter.progress(out, s));
        } else {
            Optional<JsonNode> found = client.status(id);
            if (found.isEmpty()) {
                throw new IllegalArgumentException("the coordinator at " + cluster.url() + " knows no validation " + id);
            }
            status = found.get();
        }
        if (json) {
            out.println(CoordinatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(status));
        } else {
            StatusPrinter.decision(out, status);
        }
        return 0;
    }
}
