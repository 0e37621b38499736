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
        // the requester reads the kind and a fixed sentence; the worker's path stays in the worker's log
        assertThat(d.path("failed").get(0).path("reason").asText()).isEqualTo("image 0: NOT_FOUND: the model is not where its URI points");
        assertThat(d.toString()).doesNotContain(missing.toString());
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

    @Test
    void shouldRefuseRequestsWithoutAKnownApiKey() throws Exception {
        ObjectNode request = groupOfThree("no-key", "dishonest-random", "mean");
        HttpResponse<String> anonymous = cluster.post(request, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"ftvalidator\"");
        assertThat(cluster.post(request, "not-a-key-of-this-cluster").statusCode()).isEqualTo(401);
        assertThat(cluster.get("no-key", null).statusCode()).isEqualTo(401);
        assertThat(cluster.status("no-key")).isNull(); // nothing was taken
    }

    @Test
    void shouldShowAValidationOnlyToItsRequester() throws Exception {
        JsonNode mine = validate(TestCluster.request("private", List.of("honest-1", "honest-3"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("honest-3")), 1, "mean"));
        assertThat(mine.path("state").asText()).isEqualTo("DECIDED");
        HttpResponse<String> theirs = cluster.get("private", TestCluster.OTHER_KEY);
        HttpResponse<String> unknown = cluster.get("no-such-validation", TestCluster.OTHER_KEY);
        assertThat(theirs.statusCode()).isEqualTo(404); // not 403: another requester learns nothing from an id
        assertThat(theirs.body()).isEqualTo(unknown.body().replace("no-such-validation", "private"));
        // an operator reads every requester's validations
        HttpResponse<String> operator = cluster.get("private", TestCluster.OPERATOR_KEY);
        assertThat(operator.statusCode()).isEqualTo(200);
        assertThat(TestCluster.JSON.readTree(operator.body()).path("state").asText()).isEqualTo("DECIDED");
        // the other requester's own validations are its own
        ObjectNode other = TestCluster.request("other-private", List.of("honest-1", "honest-3"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("honest-3")), 1, "mean");
        assertThat(cluster.post(other, TestCluster.OTHER_KEY).statusCode()).isEqualTo(202);
        assertThat(cluster.post(other, TestCluster.OTHER_KEY).statusCode()).isEqualTo(409);
        long until = System.nanoTime() + DECISION.toNanos();
        while (cluster.get("other-private", TestCluster.OTHER_KEY).statusCode() != 200 && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertThat(cluster.get("other-private", TestCluster.OTHER_KEY).statusCode()).isEqualTo(200);
        assertThat(cluster.status("other-private")).isNull();
    }

    @Test
    void shouldAcceptOneOfManySimultaneousPostsOfAnIdAndAnswerTheRest409() throws Exception {
        ObjectNode request = groupOfThree("raced", "dishonest-random", "mean");
        request.put("images", 1);
        request.remove("prompts");
        request.putArray("prompts").add(TestCluster.prompts(1).get(0));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Integer>> posts = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                posts.add(pool.submit(() -> {
                    start.await();
                    return cluster.post(request).statusCode();
                }));
            }
            start.countDown();
            List<Integer> codes = new ArrayList<>();
            for (var p : posts) {
                codes.add(p.get());
            }
            assertThat(codes).containsOnly(202, 409);
            assertThat(codes.stream().filter(c -> c == 202).count()).as(codes.toString()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(cluster.awaitDecision("raced", DECISION, new ArrayList<>()).path("state").asText()).isEqualTo("DECIDED");
        assertThat(cluster.post(request).statusCode()).isEqualTo(409);
    }

    @Test
    void shouldRefuseABodyLargerThanARequestMayBe() throws Exception {
        ObjectNode request = groupOfThree("oversized", "dishonest-random", "mean");
        request.put("padding", "x".repeat(2 * 1024 * 1024));
        // HTTP/1.1 announcing the body's length first, as a client sending a large body should: refused before it is sent
        HttpResponse<String> r = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.cluster.coordinatorUrl() + "/validations"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + cluster.cluster.apiKey())
                        .expectContinue(true).POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestCluster.JSON.writeValueAsString(request)))
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(cluster.status("oversized")).isNull();
    }

    @Test
    void shouldListEveryProblemOfTheBodysShape() throws Exception {
        ObjectNode request = groupOfThree("shape", "dishonest-random", "mean");
        request.put("imagez", 3);
        request.put("images", 2.5);
        request.put("requester", "someone-else");
        request.putObject("settings").put("steps", 12.7);
        HttpResponse<String> r = cluster.post(request);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestCluster.JSON.readTree(r.body()).path("problems").toString())
                .contains("imagez is not a field; the fields are ")
                .contains("images must be an integer, got 2.5")
                .contains("requester is not a field")
                .contains("settings.steps must be an integer, got 12.7");
        assertThat(cluster.status("shape")).isNull();
    }

    @Test
    void shouldRefuseABaseOffTheAllowListAndAWholeBundle() throws Exception {
        ObjectNode request = groupOfThree("off-list", "dishonest-random", "mean");
        ((ObjectNode) request.path("submissions").get(1)).put("baseSha256", "0e".repeat(32));
        ObjectNode bundle = (ObjectNode) request.path("submissions").get(2);
        bundle.put("modelUri", TestCluster.base().toUri().toString());
        bundle.put("sha256", Verified.digestOf(TestCluster.base()));
        bundle.remove("baseModelUri");
        bundle.remove("baseSha256");
        HttpResponse<String> r = cluster.post(request);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestCluster.JSON.readTree(r.body()).path("problems").toString())
                .contains("submissions[1].baseSha256 names no base of this cluster's allow-list (fixture ")
                .contains("submissions[2]: only LoRA weights are accepted");
    }

    @Test
    void shouldAskABrowserForAnOperatorsKeyOnTheWebView() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        java.net.URI list = java.net.URI.create(cluster.cluster.coordinatorUrl() + "/ui/api/validations");
        var anonymous = http.send(java.net.http.HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"ftvalidator\"");
        // a browser sends the key as the password: an operator's opens the view, another requester's does not
        var operator = http.send(java.net.http.HttpRequest.newBuilder(list).header("Authorization", basic(TestCluster.OPERATOR_KEY)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(operator.statusCode()).as(operator.body()).isEqualTo(200);
        assertThat(operator.body()).startsWith("[");
        var requester = http.send(java.net.http.HttpRequest.newBuilder(list).header("Authorization", basic(cluster.cluster.apiKey())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(requester.statusCode()).isEqualTo(403);
    }

    private static String basic(String key) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(("anyone:" + key).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void shouldServeHealthAndMetricsOnTheManagementPortOnly() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var onApi = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(cluster.cluster.coordinatorUrl() + "/q/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        var onManagement = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(cluster.cluster.coordinator().managementUrl() + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(onApi.statusCode()).isEqualTo(404);
        assertThat(onManagement.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRefuseAForgedScoreAndCountIt() throws Exception {
        ObjectNode request = groupOfThree("forged", "dishonest-random", "mean");
        request.put("images", 40);
        request.put("deadlineSeconds", 3);
        request.remove("prompts");
        request.putArray("prompts").add(TestCluster.prompts(1).get(0));
        assertThat(cluster.post(request).statusCode()).isEqualTo(202);
        ImageScore forged = ImageScore.newBuilder().setValidationId("forged").setImageIndex(39).setAttempt(0).setWorkerId("forger")
                .setDevice(new io.ftvalidator.schemas.DeviceInfo(io.ftvalidator.schemas.DeviceKind.GPU, "a card", 1L, 1, "none",
                        io.ftvalidator.schemas.Precision.FLOAT32))
                .setResults(List.of(new io.ftvalidator.schemas.SubmissionResult("honest-1", 1L, 1L, null),
                        new io.ftvalidator.schemas.SubmissionResult("honest-2", 1L, 1L, null),
                        new io.ftvalidator.schemas.SubmissionResult("dishonest", 1L, 1L, null)))
                .setStartedAtMillis(0).setFinishedAtMillis(0).setNonce("0123456789abcdef0123456789abcdef").build();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.cluster.bootstrapServers());
        try (KafkaProducer<String, ImageScore> producer = new KafkaProducer<>(p, new StringSerializer(), Topics.IMAGE_SCORES.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.IMAGE_SCORES.name(), "forged", forged)).get();
        }
        JsonNode d = cluster.awaitDecision("forged", DECISION, new ArrayList<>()).path("decision");
        List<String> workers = new ArrayList<>();
        d.path("renders").forEach(r -> workers.add(r.path("worker").asText()));
        assertThat(workers).doesNotContain("forger");
        var dead = cluster.records(Topics.DEAD_LETTERS.name(), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                r -> "forged".equals(r.key()), Duration.ofSeconds(3), Duration.ofSeconds(30));
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.get(0).headers().lastHeader(Topics.DEAD_LETTER_REASON).value()))
                .startsWith("the score of image 39 does not carry its job's nonce");
        assertThat(cluster.metric(cluster.cluster.coordinator(), "ftval_scores_refused_total", "reason=\"nonce\"")).isEqualTo(1.0);
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
