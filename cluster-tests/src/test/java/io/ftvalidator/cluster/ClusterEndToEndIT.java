package io.ftvalidator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.engine.bundle.Verified;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The cluster end to end: real broker, coordinator and two worker processes, fixture models. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterEndToEndIT {

    private static final int IMAGES = 6;
    private static final Duration DECISION = Duration.ofMinutes(4);

    private TestCluster cluster;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.start(2);
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private JsonNode validate(ObjectNode request) throws Exception {
        HttpResponse<String> accepted = cluster.post(request);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return cluster.awaitDecision(request.path("validationId").asText(), DECISION, new ArrayList<>());
    }

    private static ObjectNode groupOfThree(String id, String dishonest, String rule) {
        return TestCluster.request(id, List.of("honest-1", "honest-2", "dishonest"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("honest-2"), TestCluster.lora(dishonest)), IMAGES, rule);
    }

    @Test
    void shouldNameTheDishonestSubmissionTheOutlierInAGroupOfThree() throws Exception {
        JsonNode status = validate(groupOfThree("outlier-mean", "dishonest-half-steps", "mean"));
        JsonNode d = status.path("decision");
        assertThat(status.path("state").asText()).isEqualTo("DECIDED");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");
        assertThat(d.path("outliers").toString()).isEqualTo("[\"dishonest\"]");
        assertThat(d.path("agreeing").toString()).isEqualTo("[\"honest-1\",\"honest-2\"]");
        assertThat(d.path("pairs")).hasSize(3);
        assertThat(d.path("pairs").get(0).path("distances")).hasSize(IMAGES);
    }

    @Test
    void shouldNameTheOutlierUnderTheEveryImageRuleToo() throws Exception {
        JsonNode d = validate(groupOfThree("outlier-every", "dishonest-other-data", "every-image")).path("decision");
        assertThat(d.path("rule").asText()).isEqualTo("every-image");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");
        assertThat(d.path("outliers").toString()).isEqualTo("[\"dishonest\"]");
    }

    @Test
    void shouldCallAnHonestPairTheSameModelAndSpreadImagesOverBothWorkers() throws Exception {
        ObjectNode request = TestCluster.request("honest-pair", List.of("honest-1", "honest-3"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("honest-3")), IMAGES, "mean");
        JsonNode d = validate(request).path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("AGREED");
        assertThat(d.path("pairs").get(0).path("same").asBoolean()).isTrue();
        List<String> workers = new ArrayList<>();
        d.path("renders").forEach(r -> workers.add(r.path("worker").asText()));
        assertThat(workers).hasSize(IMAGES).containsOnly("worker-1", "worker-2").contains("worker-1", "worker-2");
    }

    @Test
    void shouldDecideAPairThatSplitsAsSoonAsNoImageLeftCouldJoinIt() throws Exception {
        ObjectNode request = TestCluster.request("early", List.of("honest-1", "dishonest"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("dishonest-random")), IMAGES, "mean");
        JsonNode status = validate(request);
        JsonNode d = status.path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("NO_CONSENSUS");
        // a random LoRA sits 12 to 42 bits away on every image (docs/accuracy.md): a mean of 5 over 6 images is out of reach within 3
        assertThat(status.path("imagesDone").asInt()).isBetween(1, 3);
        assertThat(d.path("reason").asText()).contains("decided early, on " + status.path("imagesDone").asInt() + " of " + IMAGES + " images");
    }

    @Test
    void shouldShowProgressWhileImagesComeIn() throws Exception {
        ObjectNode request = groupOfThree("progress", "dishonest-random", "mean");
        assertThat(cluster.post(request).statusCode()).isEqualTo(202);
        List<JsonNode> seen = new ArrayList<>();
        JsonNode last = cluster.awaitDecision("progress", DECISION, seen);
        List<Integer> done = seen.stream().filter(s -> s.path("state").asText().equals("PENDING"))
                .map(s -> s.path("imagesDone").asInt()).toList();
        assertThat(done).isSorted();
        assertThat(done).anyMatch(n -> n > 0 && n < IMAGES);
        assertThat(last.path("imagesDone").asInt()).isEqualTo(IMAGES);
        assertThat(last.path("images").asInt()).isEqualTo(IMAGES);
    }

    @Test
    void shouldCountARedeliveredScoreOnce() throws Exception {
        String id = "duplicates";
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger duplicated = new AtomicInteger();
        Thread duplicator = new Thread(() -> duplicateScores(id, running, duplicated));
        duplicator.start();
        try {
            JsonNode status = validate(groupOfThree(id, "dishonest-half-steps", "mean"));
            assertThat(status.path("imagesDone").asInt()).isEqualTo(IMAGES);
            List<Integer> images = new ArrayList<>();
            status.path("decision").path("renders").forEach(r -> images.add(r.path("image").asInt()));
            assertThat(images).containsExactly(0, 1, 2, 3, 4, 5);
        } finally {
            running.set(false);
            duplicator.join();
        }
        assertThat(duplicated.get()).isGreaterThanOrEqualTo(IMAGES - 1);
        assertThat(decisionsFor(id, Duration.ofSeconds(60))).hasSize(1);
    }

    @Test
    void shouldEndAValidationWithAMissingModelInADecisionThatSaysSo() throws Exception {
        Path missing = TestCluster.MODELS.resolve("lora/no-such-model.safetensors");
        ObjectNode request = TestCluster.request("missing-model", List.of("honest-1", "honest-2", "ghost"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("honest-2"), missing), IMAGES, "mean");
        JsonNode d = validate(request).path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");
        assertThat(d.path("outliers").toString()).isEqualTo("[\"ghost\"]");
        assertThat(d.path("failed")).hasSize(1);
        assertThat(d.path("failed").get(0).path("submission").asText()).isEqualTo("ghost");
        assertThat(d.path("failed").get(0).path("reason").asText()).contains("NOT_FOUND").contains(missing.toString());
    }

    @Test
    void shouldExportEveryMetricThatTheDashboardsAndAlertsQuery() throws Exception {
        // a validation whose third model is missing: renders, cache hits and misses, a render failure, pairs, a decision
        Path missing = TestCluster.MODELS.resolve("lora/not-there.safetensors");
        JsonNode d = validate(TestCluster.request("metrics", List.of("honest-1", "honest-2", "ghost"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("honest-2"), missing), 2, "mean")).path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");
        java.util.Set<String> exported = new java.util.TreeSet<>(cluster.metricNames(cluster.cluster.coordinator()));
        for (var worker : cluster.cluster.workers()) {
            exported.addAll(cluster.metricNames(worker));
        }
        var queried = DashboardQueries.metricNames(TestCluster.HOME.resolve("deploy"));
        assertThat(queried).containsKeys("grafana/fleet.json", "grafana/validations.json", "prometheus/alerts.yaml", "k8s/keda.yaml");
        assertThat(queried.values().stream().mapToInt(java.util.Set::size).sum()).isGreaterThan(30);
        java.util.Map<String, List<String>> unknown = new java.util.TreeMap<>();
        queried.forEach((file, names) -> names.stream().filter(n -> !exported.contains(n) && !DashboardQueries.PROMETHEUS_OWN.contains(n))
                .forEach(n -> unknown.computeIfAbsent(file, k -> new ArrayList<>()).add(n)));
        assertThat(unknown).as("metrics queried by deploy/ that no service exports (exported: %s)", exported).isEmpty();
        // the render time by card that the fleet dashboard plots was measured for this validation's images
        assertThat(cluster.metric(cluster.cluster.workers().get(0), "ftval_worker_render_seconds_count", "device_kind=\"cpu\"")
                + cluster.metric(cluster.cluster.workers().get(1), "ftval_worker_render_seconds_count", "device_kind=\"cpu\"")).isPositive();
        // readiness names what it checked
        JsonNode ready = cluster.health(cluster.cluster.workers().get(0), "ready");
        assertThat(ready.path("status").asText()).isEqualTo("UP");
        assertThat(ready.path("checks").findValuesAsText("name")).contains("kafka", "renderer", "render-jobs");
        assertThat(cluster.health(cluster.cluster.workers().get(0), "live").path("checks").findValuesAsText("name")).contains("render-slots");
    }

    @Test
    void shouldRejectABadRequestListingEveryProblem() throws Exception {
        ObjectNode request = groupOfThree("bad-request", "dishonest-random", "median");
        request.put("images", 0);
        ((ObjectNode) request.path("submissions").get(0)).put("sha256", "xyz");
        HttpResponse<String> r = cluster.post(request);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode problems = TestCluster.JSON.readTree(r.body()).path("problems");
        assertThat(problems.toString())
                .contains("rule must be mean or every-image, got 'median'")
                .contains("images must be in 1..1000, got 0")
                .contains("submissions[0].sha256 must be 64 lower-case hex digits");
        assertThat(cluster.status("bad-request")).isNull();
    }

    @Test
    void shouldTakeRequestsFromTheKafkaTopic() throws Exception {
        String id = "from-kafka-" + UUID.randomUUID();
        String baseDigest = Verified.digestOf(TestCluster.base());
        List<SubmissionSpec> subs = new ArrayList<>();
        for (String name : List.of("honest-1", "honest-2", "dishonest-other-data")) {
            Path lora = TestCluster.lora(name);
            subs.add(new SubmissionSpec(name, lora.toUri().toString(), Verified.digestOf(lora), TestCluster.base().toUri().toString(), baseDigest));
        }
        ValidationRequest request = ValidationRequest.newBuilder().setValidationId(id).setSubmissions(subs).setSeed(42).setImages(IMAGES)
                .setPrompts(TestCluster.prompts(IMAGES)).setSettings(RenderSettings.newBuilder().build()).setRule(Rule.MEAN)
                .setDeadlineMillis(System.currentTimeMillis() + 600_000).setRequestedAtMillis(System.currentTimeMillis()).build();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.cluster.bootstrapServers());
        try (KafkaProducer<String, ValidationRequest> producer = new KafkaProducer<>(p, new StringSerializer(), Topics.VALIDATION_REQUESTS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.VALIDATION_REQUESTS.name(), id, request)).get();
        }
        List<ValidationDecision> decisions = decisionsFor(id, DECISION);
        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).getOutliers()).containsExactly("dishonest-other-data");
    }

    @Test
    void shouldServeAPythonClientThatUsesThePublishedSchemas() throws Exception {
        Programs.assumePythonClient();
        String id = "python-single-object-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of("validate", "--bootstrap", cluster.cluster.bootstrapServers(),
                "--schemas", TestCluster.HOME.resolve("schemas/src/main/avro").toString(), "--id", id,
                "--base", TestCluster.base().toUri() + "#" + Verified.digestOf(TestCluster.base()),
                "--images", "2", "--rule", "EVERY_IMAGE", "--timeout", Long.toString(DECISION.toSeconds())));
        for (String name : List.of("honest-1", "honest-3")) {
            args.addAll(List.of("--model", name + "=" + TestCluster.lora(name).toUri() + "#" + Verified.digestOf(TestCluster.lora(name))));
        }
        TestCluster.prompts(2).forEach(p -> args.addAll(List.of("--prompt", p)));

        Programs.Result r = Programs.pythonClient(args, DECISION.plusSeconds(60));
        assertThat(r.exit()).as(r.describe()).isZero();
        JsonNode d = TestCluster.JSON.readTree(r.out());
        assertThat(d.path("validationId").asText()).isEqualTo(id);
        assertThat(d.path("status").asText()).isEqualTo("DECIDED");
        assertThat(d.path("rule").asText()).isEqualTo("EVERY_IMAGE");
        assertThat(d.path("verdict").asText()).isEqualTo("AGREED");
        assertThat(d.path("pairs").get(0).path("distances")).hasSize(2);
        assertThat(cluster.status(id).path("state").asText()).isEqualTo("DECIDED");
    }

    @Test
    void shouldDecideInconclusiveAtTheDeadline() throws Exception {
        ObjectNode request = groupOfThree("deadline", "dishonest-random", "mean");
        request.put("images", 200);
        request.put("deadlineSeconds", 2);
        request.remove("prompts");
        request.putArray("prompts").add(TestCluster.prompts(1).get(0));
        JsonNode status = validate(request);
        assertThat(status.path("state").asText()).isEqualTo("INCONCLUSIVE");
        JsonNode d = status.path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("INCONCLUSIVE");
        assertThat(d.path("missingImages").size()).isGreaterThan(0);
        assertThat(d.path("reason").asText()).startsWith("the deadline passed with ");
    }

    /** Re-publishes every score of the validation as it appears: each one arrives twice. */
    private void duplicateScores(String id, AtomicBoolean running, AtomicInteger duplicated) {
        Properties c = consumerProps();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.cluster.bootstrapServers());
        try (KafkaConsumer<String, ImageScore> consumer = new KafkaConsumer<>(c, new StringDeserializer(), Topics.IMAGE_SCORES.valueSerde().deserializer());
                KafkaProducer<String, ImageScore> producer = new KafkaProducer<>(p, new StringSerializer(), Topics.IMAGE_SCORES.valueSerde().serializer())) {
            consumer.subscribe(List.of(Topics.IMAGE_SCORES.name()));
            List<String> seen = new ArrayList<>();
            while (running.get()) {
                for (ConsumerRecord<String, ImageScore> r : consumer.poll(Duration.ofMillis(100))) {
                    String key = r.value().getValidationId() + "/" + r.value().getImageIndex();
                    if (r.value().getValidationId().equals(id) && !seen.contains(key)) {
                        seen.add(key);
                        producer.send(new ProducerRecord<>(Topics.IMAGE_SCORES.name(), r.key(), r.value()));
                        duplicated.incrementAndGet();
                    }
                }
            }
        }
    }

    /** Every decision published for the validation, read committed, until {@code wait} passes with one there. */
    private List<ValidationDecision> decisionsFor(String id, Duration wait) {
        List<ValidationDecision> out = new ArrayList<>();
        try (KafkaConsumer<String, ValidationDecision> consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(),
                Topics.VALIDATION_DECISIONS.valueSerde().deserializer())) {
            consumer.subscribe(List.of(Topics.VALIDATION_DECISIONS.name()));
            long until = System.nanoTime() + wait.toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(until, quietUntil)) {
                for (ConsumerRecord<String, ValidationDecision> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key().equals(id)) {
                        out.add(r.value());
                        quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    }
                }
            }
        }
        return out;
    }

    private Properties consumerProps() {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.cluster.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return c;
    }
}
