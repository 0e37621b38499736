package io.ftvalidator.cli;

import picocli.CommandLine.Option;

/** Where the coordinator is, and the key to it. */
final class ClusterOptions {

    @Option(names = "--coordinator", description = "the coordinator's URL (default: $FTVAL_COORDINATOR or http://localhost:8080)")
    String coordinator;

    @Option(names = "--api-key", description = "the requester's API key (default: $FTVAL_API_KEY); ./ftval cluster prints its own")
    String apiKey;

    String apiKey() {
        if (apiKey != null) {
            return apiKey;
        }
        String env = System.getenv("FTVAL_API_KEY");
        return env != null && !env.isBlank() ? env.strip() : null;
    }

    CoordinatorClient client() {
        return new CoordinatorClient(url(), apiKey());
    }

    String url() {
        if (coordinator != null) {
            return coordinator;
        }
        String env = System.getenv("FTVAL_COORDINATOR");
        return env != null && !env.isBlank() ? env : "http://localhost:8080";
    }
}
