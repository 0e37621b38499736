package io.ftvalidator.cli;

import picocli.CommandLine.Option;

/** Where the coordinator is. */
final class ClusterOptions {

    @Option(names = "--coordinator", description = "the coordinator's URL (default: $FTVAL_COORDINATOR or http://localhost:8080)")
    String coordinator;

    String url() {
        if (coordinator != null) {
            return coordinator;
        }
        String env = System.getenv("FTVAL_COORDINATOR");
        return env != null && !env.isBlank() ? env : "http://localhost:8080";
    }
}
