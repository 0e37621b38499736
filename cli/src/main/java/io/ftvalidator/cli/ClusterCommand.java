package io.ftvalidator.cli;

import io.ftvalidator.local.LocalCluster;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "cluster", description = "Runs a local cluster (in-JVM Kafka broker, coordinator, workers) until Ctrl-C; submit and status talk to it.")
final class ClusterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    LocalClusterOptions local;

    @picocli.CommandLine.Option(names = "--json", description = "once it is up, print {coordinator, kafka, logs} as JSON (the rest goes to stderr)")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        out.printf("starting a broker, a coordinator and %d worker(s)%s...%n", local.workerCount(), local.serde.equals("registry") ? ", a schema registry" : "");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        LocalCluster cluster = local.start(Map.of("quarkus.http.port", "8080"), true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            stopped.countDown();
        }));
        out.printf("coordinator %s, Kafka %s, %s, logs in %s%n", cluster.coordinatorUrl(), cluster.bootstrapServers(),
                LocalClusterOptions.encoding(cluster), cluster.coordinator().log().getParent());
        out.printf("requester '%s', API key %s%n", LocalCluster.LOCAL_REQUESTER, cluster.apiKey());
        out.printf("export FTVAL_API_KEY=%s; then ./ftval submit ... talks to it; Ctrl-C stops it%n", cluster.apiKey());
        out.flush();
        if (json) {
            spec.commandLine().getOut().println(CoordinatorClient.JSON.writeValueAsString(CoordinatorClient.JSON.createObjectNode()
                    .put("coordinator", cluster.coordinatorUrl()).put("kafka", cluster.bootstrapServers()).put("apiKey", cluster.apiKey())
                    .put("logs", cluster.coordinator().log().getParent().toString())));
            spec.commandLine().getOut().flush();
        }
        stopped.await();
        return 0;
    }
}
