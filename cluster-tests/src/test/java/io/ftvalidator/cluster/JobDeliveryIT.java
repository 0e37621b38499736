package io.ftvalidator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.local.LocalCluster;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * How render jobs reach workers through the share group, on real processes: a render longer than
 * several lock periods, a worker killed with SIGKILL mid-render, a job that crashes every worker
 * that takes it, poison records, a score that cannot be written. The broker allows a 2 s lock so
 * that expiries and renewals happen within seconds; renders of prompts with a marker are slowed
 * or crash their worker through the worker's test hooks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobDeliveryIT {

    private static final Duration DECISION = Duration.ofMinutes(3);
    private static final Duration LOCK = Duration.ofSeconds(2);
    private static final Duration SLOW = Duration.ofSeconds(7);
    private static final String SLOW_MARKER = "(slow render)";
    private static final String HALT_MARKER = "(halts its worker)";
    private static final int HALT_STATUS = 86; // TestHooks.HALT_STATUS
    private static final int DELIVERY_LIMIT = 3;

    private TestCluster cluster;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.start(2, Map.of(
                "ftval.worker.jobs.lock-duration", "PT" + LOCK.toSeconds() + "S",
                "ftval.worker.jobs.delivery-limit", Integer.toString(DELIVERY_LIMIT),
                "ftval.worker.jobs.failure-backoff", "PT1S",
                "ftval.worker.test.slow-prompt", SLOW_MARKER,
                "ftval.worker.test.slow-render", "PT" + SLOW.toSeconds() + "S",
                "ftval.worker.test.halt-prompt", HALT_MARKER),
                Map.of("group.share.min.record.lock.duration.ms", "1000"));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void shouldRenewTheLockOfALongRenderAndScoreItOnce() throws Exception {
        JsonNode d = validate(request("long", SLOW_MARKER + " a lighthouse at dusk")).path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");
        // rendered once: a lock lost at 2 s would have let the other worker render it too, and score it
        List<ImageScore> scores = scores("long", SLOW.plusSeconds(3));
        assertThat(scores).hasSize(1);
        assertThat(scores.get(0).getAttempt()).isZero(); // the first delivery, never redelivered
        LocalCluster.Service renderer = worker(scores.get(0).getWorkerId());
        assertThat(cluster.metric(renderer, "ftval_worker_lock_renewals_total", ""))
                .isGreaterThanOrEqualTo(SLOW.toMillis() / LOCK.toMillis());
    }

    @Test
    @Order(2)
    void shouldDeadLetterPoisonRecordsAndCarryOn() throws Exception {
        byte[] garbage = "not an avro record at all".getBytes(StandardCharsets.UTF_8);
        byte[] hugeArray = hugeArrayJob();
        RecordHeaders headers = new RecordHeaders();
        headers.add("sent-by", "JobDeliveryIT".getBytes(StandardCharsets.UTF_8));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.cluster.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.RENDER_JOBS.name(), null, bytes("poison/garbage"), garbage, headers)).get();
            producer.send(new ProducerRecord<>(Topics.RENDER_JOBS.name(), null, bytes("poison/huge-array"), hugeArray, headers)).get();
            producer.send(new ProducerRecord<>(Topics.RENDER_JOBS.name(), null, bytes("poison/no-value"), null, headers)).get();
        }
        JsonNode d = validate(request("after-poison", "a lighthouse at dusk", "a bowl of fruit")).path("decision");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");

        List<ConsumerRecord<String, byte[]>> dead = cluster.records(Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(),
                r -> r.key() != null && r.key().startsWith("poison/"), Duration.ofSeconds(3), Duration.ofSeconds(30));
        assertThat(dead).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("poison/garbage", "poison/huge-array", "poison/no-value");
        for (ConsumerRecord<String, byte[]> r : dead) {
            assertThat(header(r, Topics.DEAD_LETTER_SOURCE)).isEqualTo(Topics.RENDER_JOBS.name());
            assertThat(header(r, Topics.DEAD_LETTER_REASON)).startsWith("topic ftval.render-jobs: ");
            assertThat(header(r, "sent-by")).isEqualTo("JobDeliveryIT");
        }
        assertThat(valueOf(dead, "poison/garbage")).isEqualTo(garbage);
        assertThat(valueOf(dead, "poison/huge-array")).isEqualTo(hugeArray);
        assertThat(header(recordOf(dead, "poison/huge-array"), Topics.DEAD_LETTER_REASON))
                .contains("not a readable RenderJob").contains("Collection length 1073741824 exceeds");
        assertThat(header(recordOf(dead, "poison/no-value"), Topics.DEAD_LETTER_REASON)).contains("without a value");
        assertThat(cluster.cluster.workers()).allMatch(w -> w.process().isAlive());
    }

    @Test
    @Order(3)
    void shouldReleaseAJobWhoseScoreCannotBeWritten() throws Exception {
        cluster.cluster.workers().forEach(LocalCluster::stop);
        // this worker's producer refuses any score (the schema header alone is larger), and it pauses long after a failure
        LocalCluster.Service failing = cluster.cluster.addWorker(Map.of(
                "kafka.max.request.size", "512", "ftval.worker.jobs.failure-backoff", "PT60S"));
        assertThat(cluster.post(request("write-fails", "a bowl of fruit")).statusCode()).isEqualTo(202);
        await(() -> cluster.metric(failing, "ftval_worker_jobs_total", "outcome=\"write-failed\"") >= 1, Duration.ofSeconds(60));

        LocalCluster.Service healthy = cluster.cluster.addWorker();
        JsonNode status = cluster.awaitDecision("write-fails", DECISION, new ArrayList<>());
        assertThat(status.path("decision").path("verdict").asText()).isEqualTo("OUTLIER");
        List<ImageScore> scores = scores("write-fails", Duration.ofSeconds(3));
        assertThat(scores).hasSize(1);
        assertThat(scores.get(0).getWorkerId()).isEqualTo(healthy.name());
        assertThat(scores.get(0).getAttempt()).isEqualTo(1); // the second delivery: the released one
        assertThat(failing.process().isAlive()).isTrue();
        LocalCluster.stop(failing);
    }

    @Test
    @Order(4)
    void shouldRedeliverTheJobOfAWorkerKilledMidRenderAndDecideAsUndisturbed() throws Exception {
        cluster.cluster.addWorker();
        List<LocalCluster.Service> live = live();
        assertThat(live).hasSize(2);
        String[] prompts = {SLOW_MARKER + " a lighthouse at dusk", SLOW_MARKER + " a bowl of fruit"};
        JsonNode undisturbed = validate(request("undisturbed", prompts)).path("decision");

        assertThat(cluster.post(request("killed", prompts)).statusCode()).isEqualTo(202);
        LocalCluster.Service victim = null;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (victim == null && System.nanoTime() < until) {
            for (LocalCluster.Service w : live) {
                if (cluster.metric(w, "ftval_worker_jobs_in_flight", "") >= 1) {
                    victim = w;
                    break;
                }
            }
            Thread.sleep(100);
        }
        assertThat(victim).as("a worker rendering").isNotNull();
        victim.process().destroyForcibly().waitFor(); // SIGKILL: nothing is released, the lock has to expire
        assertThat(victim.process().exitValue()).isEqualTo(137);

        JsonNode status = cluster.awaitDecision("killed", DECISION, new ArrayList<>());
        JsonNode d = status.path("decision");
        assertThat(status.path("state").asText()).isEqualTo("DECIDED");
        assertThat(d.path("verdict")).isEqualTo(undisturbed.path("verdict"));
        assertThat(d.path("outliers")).isEqualTo(undisturbed.path("outliers"));
        assertThat(d.path("pairs")).isEqualTo(undisturbed.path("pairs")); // every distance, bit for bit
        String victimName = victim.name();
        List<ImageScore> scores = scores("killed", Duration.ofSeconds(3));
        assertThat(scores).hasSize(2).noneMatch(s -> s.getWorkerId().equals(victimName));
        assertThat(scores).anyMatch(s -> s.getAttempt() == 1); // the killed worker's job, delivered again
    }

    @Test
    @Order(5)
    void shouldGiveUpAJobThatCrashesEveryWorkerAndSaySoInTheDecision() throws Exception {
        while (live().size() < DELIVERY_LIMIT) {
            cluster.cluster.addWorker();
        }
        List<LocalCluster.Service> before = live();
        JsonNode status = validate(request("crash", "a lighthouse at dusk", HALT_MARKER + " a bowl of fruit"));
        JsonNode d = status.path("decision");
        assertThat(status.path("state").asText()).isEqualTo("INCONCLUSIVE");
        assertThat(d.path("verdict").asText()).isEqualTo("INCONCLUSIVE");
        assertThat(d.path("reason").asText())
                .startsWith("no worker could render 1 of 2 images (image 1: DELIVERY_LIMIT: delivery limit: the job was delivered "
                        + DELIVERY_LIMIT + " times")
                .endsWith("nobody is judged");
        assertThat(d.path("missingImages").toString()).isEqualTo("[1]");
        assertThat(d.path("failed")).isEmpty();

        List<LocalCluster.Service> crashed = before.stream().filter(w -> !w.process().isAlive()).toList();
        assertThat(crashed).hasSize(DELIVERY_LIMIT - 1).allMatch(w -> w.process().exitValue() == HALT_STATUS);
        List<ConsumerRecord<String, byte[]>> dead = cluster.records(Topics.DEAD_LETTERS.name(), new ByteArrayDeserializer(),
                r -> "crash/1".equals(r.key()), Duration.ofSeconds(3), Duration.ofSeconds(30));
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), Topics.DEAD_LETTER_REASON))
                .startsWith("delivery limit: the job was delivered " + DELIVERY_LIMIT + " times and no worker finished it");
        RenderJob job = Topics.RENDER_JOBS.valueSerde().deserializer().deserialize(Topics.RENDER_JOBS.name(), dead.get(0).headers(), dead.get(0).value());
        assertThat(job.getImageIndex()).isEqualTo(1); // the job as it was sent, readable
    }

    private JsonNode validate(ObjectNode request) throws Exception {
        assertThat(cluster.post(request).statusCode()).isEqualTo(202);
        return cluster.awaitDecision(request.path("validationId").asText(), DECISION, new ArrayList<>());
    }

    /** A group of three (two honest replicas, one dishonest) with one image per prompt. */
    private static ObjectNode request(String id, String... prompts) {
        ObjectNode r = TestCluster.request(id, List.of("honest-1", "honest-2", "dishonest"),
                List.of(TestCluster.lora("honest-1"), TestCluster.lora("honest-2"), TestCluster.lora("dishonest-half-steps")),
                prompts.length, "mean");
        ArrayNode p = r.putArray("prompts");
        for (String prompt : prompts) {
            p.add(prompt);
        }
        return r;
    }

    /** Every score published for the validation, waiting {@code quiet} for late ones. */
    private List<ImageScore> scores(String id, Duration quiet) {
        return cluster.records(Topics.IMAGE_SCORES.name(), Topics.IMAGE_SCORES.valueSerde().deserializer(),
                r -> id.equals(r.key()), quiet, Duration.ofSeconds(60)).stream().map(ConsumerRecord::value).toList();
    }

    private List<LocalCluster.Service> live() {
        return cluster.cluster.workers().stream().filter(w -> w.process().isAlive()).toList();
    }

    private LocalCluster.Service worker(String name) {
        return cluster.cluster.workers().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    /**
     * A RenderJob in single-object encoding whose fields are empty up to 'submissions', which
     * declares 2^30 items: 33 bytes an unbounded reader would try to allocate gigabytes for.
     */
    private static byte[] hugeArrayJob() {
        byte[] body = {0, 0, 0, 0, 0, /* settings: */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* submissions: */
            (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        return ByteBuffer.allocate(10 + body.length).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3).put((byte) 0x01)
                .putLong(SchemaNormalization.parsingFingerprint64(RenderJob.getClassSchema())).put(body).array();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return r.headers().lastHeader(name) == null ? null : new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static ConsumerRecord<String, byte[]> recordOf(List<ConsumerRecord<String, byte[]>> records, String key) {
        return records.stream().filter(r -> key.equals(r.key())).findFirst().orElseThrow();
    }

    private static byte[] valueOf(List<ConsumerRecord<String, byte[]>> records, String key) {
        return recordOf(records, key).value();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Condition condition, Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not within " + timeout);
            }
            Thread.sleep(200);
        }
    }
}
