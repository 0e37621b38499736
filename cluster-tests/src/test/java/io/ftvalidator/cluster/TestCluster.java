package io.ftvalidator.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.local.LocalCluster;
import io.ftvalidator.local.LocalRegistry;
import io.ftvalidator.schemas.RecordSerde;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A cluster for end-to-end tests: a real broker (a Testcontainers Kafka where Docker exists, else
 * the in-JVM KRaft broker), the coordinator and workers as processes running their packaged jars, a
 * real schema registry in registry mode, and a small REST client.
 */
final class TestCluster implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path HOME = Path.of(System.getProperty("ftval.home", "..")).toAbsolutePath().normalize();
    static final Path MODELS = HOME.resolve("fixtures/models");
    /** A second requester of every test cluster, beside the cluster's own ({@link LocalCluster#LOCAL_REQUESTER}). */
    static final String OTHER_REQUESTER = "other-service";
    static final String OTHER_KEY = LocalCluster.newApiKey();
    /** A requester with the operator role: it reads every validation. */
    static final String OPERATOR = "operator-console";
    static final String OPERATOR_KEY = LocalCluster.newApiKey();

    final LocalCluster cluster;
    private final KafkaContainer container;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestCluster(LocalCluster cluster, KafkaContainer container) {
        this.cluster = cluster;
        this.container = container;
    }

    static TestCluster start(int workers) throws IOException {
        return start(workers, false, Map.of(), Map.of());
    }

    /** @param registry whether to run a schema registry and the registry wire format on every topic */
    static TestCluster start(int workers, boolean registry) throws IOException {
        return start(workers, registry, Map.of(), Map.of());
    }

    /** A cluster whose workers and embedded broker take {@code workerProps} and {@code brokerProps}. */
    static TestCluster start(int workers, Map<String, String> workerProps, Map<String, String> brokerProps) throws IOException {
        return start(workers, false, workerProps, brokerProps);
    }

    private static TestCluster start(int workers, boolean registry, Map<String, String> workerProps, Map<String, String> brokerProps)
            throws IOException {
        return start(workers, registry, Map.of(), workerProps, brokerProps);
    }

    /** A cluster whose coordinator takes {@code coordinatorProps} besides the test cluster's own. */
    static TestCluster startWithCoordinator(int workers, Map<String, String> coordinatorProps) throws IOException {
        return start(workers, false, coordinatorProps, Map.of(), Map.of());
    }

    private static TestCluster start(int workers, boolean registry, Map<String, String> coordinatorProps, Map<String, String> workerProps,
            Map<String, String> brokerProps) throws IOException {
        KafkaContainer container = null;
        if (dockerAvailable()) {
            container = new KafkaContainer("apache/kafka:4.4.0");
            container.start();
        }
        Path work = Files.createTempDirectory("ftval-cluster-test-");
        LocalCluster.Spec spec = new LocalCluster.Spec(
                HOME.resolve("coordinator/target/quarkus-app/quarkus-run.jar"),
                HOME.resolve("validator-worker/target/quarkus-app/quarkus-run.jar"),
                workers, 1, work, Map.of("ftval.deadline-scan", "500ms",
                        "ftval.auth.api-keys." + OTHER_REQUESTER, LocalCluster.sha256(OTHER_KEY),
                        "ftval.auth.api-keys." + OPERATOR, LocalCluster.sha256(OPERATOR_KEY),
                        "ftval.auth.operators", OPERATOR), workerProps, Duration.ofSeconds(180))
                .withCoordinator(coordinatorProps)
                .withBrokerProps(brokerProps)
                // the fixture base on the allow-list: requests bring LoRA weights only, as in production
                .withBase("fixture", Verified.digestOf(base()), base().toUri().toString());
        if (container != null) {
            spec = spec.withExternalKafka(container.getBootstrapServers());
        }
        LocalCluster cluster = LocalCluster.start(registry ? spec.withRegistry(LocalRegistry.defaultApp(HOME)) : spec);
        return new TestCluster(cluster, container);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The cluster's registry; fails in a single-object cluster. */
    LocalRegistry registry() {
        return cluster.registry().orElseThrow(() -> new IllegalStateException("a single-object cluster has no registry"));
    }

    /** A Kafka client configuration for this cluster's broker, in its encoding. */
    Properties clientConfig() {
        Properties p = new Properties();
        p.put("bootstrap.servers", cluster.bootstrapServers());
        cluster.registry().ifPresent(r -> {
            p.put(RecordSerde.ENCODING, "registry");
            p.put(RecordSerde.REGISTRY_URL, r.url());
        });
        return p;
    }

    static Path lora(String name) {
        return MODELS.resolve("loras").resolve(name + ".safetensors");
    }

    static Path base() {
        return MODELS.resolve("base");
    }

    /** A request of LoRA submissions on the fixture base; {@code ids[i]} names {@code loras[i]}. */
    static ObjectNode request(String id, List<String> ids, List<Path> loras, int images, String rule) {
        ObjectNode r = JSON.createObjectNode();
        r.put("validationId", id);
        ArrayNode subs = r.putArray("submissions");
        String baseDigest = Verified.digestOf(base());
        for (int i = 0; i < ids.size(); i++) {
            ObjectNode s = subs.addObject();
            s.put("id", ids.get(i));
            s.put("modelUri", loras.get(i).toUri().toString());
            s.put("sha256", Files.exists(loras.get(i)) ? Verified.digestOf(loras.get(i)) : "0".repeat(63) + (i % 10));
            s.put("baseModelUri", base().toUri().toString());
            s.put("baseSha256", baseDigest);
        }
        r.put("seed", 42);
        r.put("images", images);
        ArrayNode prompts = r.putArray("prompts");
        prompts(images).forEach(prompts::add);
        r.put("rule", rule);
        r.put("deadlineSeconds", 600);
        return r;
    }

    static List<String> prompts(int n) {
        try {
            return Files.readAllLines(HOME.resolve("fixtures/prompts.txt")).stream().filter(l -> !l.isBlank()).limit(n).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    HttpResponse<String> post(ObjectNode body) throws IOException, InterruptedException {
        return post(body, cluster.apiKey());
    }

    /** Posts as the requester of {@code apiKey} (null: no credentials). */
    HttpResponse<String> post(ObjectNode body, String apiKey) throws IOException, InterruptedException {
        return post(JSON.writeValueAsString(body), apiKey);
    }

    HttpResponse<String> post(String body, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(cluster.coordinatorUrl() + "/validations"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            r.header("Authorization", "Bearer " + apiKey);
        }
        // a 503 (the aggregation starting or rebalancing, just after a start) is tried again, as a client does
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        while (response.statusCode() == 503 && System.nanoTime() < until) {
            Thread.sleep(1000);
            response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        }
        return response;
    }

    /** {@code GET /validations/{id}} as the requester of {@code apiKey} (null: no credentials). */
    HttpResponse<String> get(String id, String apiKey) throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(cluster.coordinatorUrl() + "/validations/" + id));
        if (apiKey != null) {
            r.header("X-API-Key", apiKey);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status JSON, or null while the coordinator does not know the validation. */
    JsonNode status(String id) throws IOException, InterruptedException {
        HttpResponse<String> r = get(id, cluster.apiKey());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    }

    /** Polls until decided; every status seen on the way goes to {@code seen}. */
    JsonNode awaitDecision(String id, Duration timeout, List<JsonNode> seen) throws IOException, InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            JsonNode s = status(id);
            if (s != null) {
                seen.add(s);
                if (!"PENDING".equals(s.path("state").asText())) {
                    return s;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("validation " + id + " was not decided in " + timeout + "; coordinator log:\n"
                + LocalCluster.tail(cluster.coordinator().log()));
    }

    /**
     * The records of {@code topic} that {@code wanted} accepts, read from the start until none
     * came for {@code quiet} (at most {@code wait} in all).
     */
    <V> List<ConsumerRecord<String, V>> records(String topic, Deserializer<V> values, Predicate<ConsumerRecord<String, V>> wanted,
            Duration quiet, Duration wait) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(c, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(topic));
            long until = System.nanoTime() + wait.toNanos();
            long quietUntil = System.nanoTime() + quiet.toNanos();
            while (System.nanoTime() < Math.min(until, quietUntil)) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    if (wanted.test(r)) {
                        out.add(r);
                        quietUntil = System.nanoTime() + quiet.toNanos();
                    }
                }
            }
        }
        return out;
    }

    /** The names of every series a service exports on /q/metrics (histogram buckets, counts and sums each by name). */
    java.util.Set<String> metricNames(LocalCluster.Service service) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(service.managementUrl() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        java.util.Set<String> names = new java.util.TreeSet<>();
        r.body().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).forEach(l -> names.add(l.split("[{ ]", 2)[0]));
        return names;
    }

    /** A service's health endpoint ({@code ready} or {@code live}) as JSON. */
    JsonNode health(LocalCluster.Service service, String which) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(service.managementUrl() + "/q/health/" + which)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** The sum of a Prometheus metric's samples on a service whose labels contain {@code labels}. */
    double metric(LocalCluster.Service service, String name, String labels) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(service.managementUrl() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : r.body().lines().toList()) {
            if ((line.startsWith(name + " ") || line.startsWith(name + "{")) && line.contains(labels)) {
                // the sample's value: after the labels, before an exemplar ("# {trace_id=...} value timestamp")
                String sample = line.contains(" # ") ? line.substring(0, line.indexOf(" # ")) : line;
                sum += Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Override
    public void close() {
        cluster.close();
        if (container != null) {
            container.stop();
        }
    }
}
