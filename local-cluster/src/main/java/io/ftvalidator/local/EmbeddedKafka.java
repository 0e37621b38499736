package io.ftvalidator.local;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real Apache Kafka broker running in this JVM in KRaft mode (one node, broker and controller),
 * with replication factors of 1. For the demo and the tests only; production talks to a real
 * cluster.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final Path dataDir;
    private final int clientPort;
    private final int controllerPort;
    private final Map<String, String> overrides;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, int clientPort, int controllerPort, Map<String, String> overrides) {
        this.server = server;
        this.bootstrapServers = "localhost:" + clientPort;
        this.dataDir = dataDir;
        this.clientPort = clientPort;
        this.controllerPort = controllerPort;
        this.overrides = overrides;
    }

    /**
     * Formats {@code dataDir} if it is new and starts the broker.
     *
     * @param port the client port, 0 for a free one
     * @param overrides broker settings that replace the defaults
     */
    public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> overrides) {
        try {
            return start(dataDir, port == 0 ? freePort() : port, freePort(), overrides);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a broker on this stopped one's log directory and ports: clients see the broker come
     * back, with every record it had.
     */
    public EmbeddedKafka startAgain() {
        return start(dataDir, clientPort, controllerPort, overrides);
    }

    private static EmbeddedKafka start(Path dataDir, int clientPort, int controllerPort, Map<String, String> overrides) {
        try {
            Files.createDirectories(dataDir);
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
            props.put("listeners", "PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://localhost:" + clientPort);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", dataDir.toString());
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "4");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "4");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("share.coordinator.state.topic.num.partitions", "4");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("controlled.shutdown.enable", "false");
            props.put("auto.create.topics.enable", "false");
            props.put("num.partitions", "4");
            props.putAll(overrides);
            KafkaConfig config = KafkaConfig.fromProps(props, false);
            if (!Files.exists(dataDir.resolve("meta.properties"))) {
                format(config, dataDir);
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            return new EmbeddedKafka(server, dataDir, clientPort, controllerPort, Map.copyOf(overrides));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("the embedded Kafka broker did not start: " + e.getMessage(), e);
        }
    }

    private static void format(KafkaConfig config, Path dataDir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(config.nodeId())
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dataDir.toString()))
                .setMetadataLogDirectory(dataDir.toString())
                .setControllerListenerName("CONTROLLER")
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .run();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
