package io.ftvalidator.cluster;

import java.io.IOException;

/**
 * The registry-mode cluster that the registry tests share: one broker, one Apicurio Registry, the
 * coordinator and one worker, started by the first test class that asks and stopped when the test
 * JVM exits.
 */
final class RegistryCluster {

    private static TestCluster cluster;

    private RegistryCluster() {}

    static synchronized TestCluster get() throws IOException {
        if (cluster == null) {
            TestCluster started = TestCluster.start(1, true);
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "registry-cluster-stop"));
            cluster = started;
        }
        return cluster;
    }
}
