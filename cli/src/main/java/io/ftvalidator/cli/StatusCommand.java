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

    @Option(names = "--exit-code", description = "exit with the verdict: 0 AGREED, 3 OUTLIER, 4 no agreement (NO_CONSENSUS, INCONCLUSIVE, REJECTED), 5 not decided yet")
    boolean exitCode;

    @Mixin
    ProgressOptions progress;

    @Override
    public Integer call() throws IOException, InterruptedException {
        CoordinatorClient client = cluster.client();
        PrintWriter out = spec.commandLine().getOut();
        JsonNode status;
        if (await) {
            try (Progress bar = progress.start(spec.commandLine().getErr(), json, 0, "images")) {
                status = client.awaitDecision(id, Duration.ofSeconds(timeout), s -> StatusPrinter.progress(bar, s));
            }
        } else {
            Optional<JsonNode> found = client.status(id);
            if (found.isEmpty()) {
                throw new IllegalArgumentException("the coordinator at " + cluster.url() + " knows no validation " + id);
            }
            status = found.get();
        }
        StatusPrinter.print(out, status, json);
        return exitCode ? StatusPrinter.exitCode(status) : 0;
    }
}
