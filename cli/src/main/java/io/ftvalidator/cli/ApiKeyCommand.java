package io.ftvalidator.cli;

import io.ftvalidator.local.LocalCluster;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "api-key", description = "Makes a new API key for a requester: the key for the requester, the coordinator property (its SHA-256) for the operator.")
final class ApiKeyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REQUESTER", description = "the requester's name (letters, digits and . _ -)")
    String requester;

    @Option(names = "--json", description = "print {requester, key, property} as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!requester.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("a requester's name is letters, digits and . _ - (64 at most), got '" + requester + "'");
        }
        String key = LocalCluster.newApiKey();
        String property = "ftval.auth.api-keys." + requester + "=" + LocalCluster.sha256(key);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(CoordinatorClient.JSON.writeValueAsString(CoordinatorClient.JSON.createObjectNode()
                    .put("requester", requester).put("key", key).put("property", property)));
        } else {
            out.println("key (give it to the requester, keep it secret): " + key);
            out.println("coordinator property (the key's SHA-256):       " + property);
        }
        return 0;
    }
}
