package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.local.LocalCluster;
import io.ftvalidator.render.RenderSettings;
import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.DeviceKind;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.Precision;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.validation.Defaults;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The cluster benchmark's measurements: a validation end to end, and the coordinator's rates without rendering. */
final class ClusterRates {

    private ClusterRates() {}

    /** The request of a benchmark validation (digests computed here, outside any timed span). */
    static ObjectNode request(List<SubmissionArg> submissions, List<String> prompts, RenderSettings settings) throws IOException {
        return request(Fixtures.base(), submissions, prompts, settings);
    }

    /** The same, for LoRAs on {@code base}. */
    static ObjectNode request(Path base, List<SubmissionArg> submissions, List<String> prompts, RenderSettings settings) throws IOException {
        ValidationOptions options = Fixtures.options(submissions, prompts);
        options.base = base.toString();
        return SubmitCommand.request(options, settings, null, 900);
    }

    /** Submits the request and waits for its decision. */
    static void validate(CoordinatorClient client, ObjectNode request) throws IOException, InterruptedException {
        String id = client.submit(request).path("validationId").asText();
        var status = client.awaitDecision(id, Duration.ofMinutes(15), s -> { });
        if (!"DECIDED".equals(status.path("state").asText())) {
            throw new IllegalStateException("the benchmark validation ended " + status.path("state").asText());
        }
    }

    /** The coordinator's rates without rendering: render jobs published, and scores aggregated into decisions, per second. */
    record Rates(int validations, int imagesPerValidation, double fanOutSeconds, double aggregationSeconds) {
        int jobs() {
            return validations * imagesPerValidation;
        }

        double jobsPerSecond() {
            return jobs() / fanOutSeconds;
        }

        double scoresPerSecond() {
            return jobs() / aggregationSeconds;
        }
    }

    /** Fan-out, then aggregation, of {@code rateValidations} validations; {@code bar} counts jobs, then decisions. */
    static Rates measure(LocalCluster cluster, int rateValidations, int perValidation, Progress bar) throws Exception {
        int total = rateValidations * perValidation;
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        double fanOutSeconds;
        List<String> ids = new ArrayList<>();
        List<RenderJob> jobs = new ArrayList<>(total);
        List<SubmissionSpec> subs = new ArrayList<>();
        String baseDigest = Verified.digestOf(Fixtures.base());
        for (SubmissionArg s : Fixtures.groupOfThree()) {
            subs.add(new SubmissionSpec(s.id(), s.model().path().toUri().toString(), Verified.digestOf(s.model().path()),
                    Fixtures.base().toUri().toString(), baseDigest));
        }
        Properties rp = new Properties();
        rp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        rp.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaConsumer<String, RenderJob> consumer = new KafkaConsumer<>(c, new StringDeserializer(), Topics.RENDER_JOBS.valueSerde().deserializer());
                KafkaProducer<String, ValidationRequest> requests = new KafkaProducer<>(rp, new StringSerializer(), Topics.VALIDATION_REQUESTS.valueSerde().serializer())) {
            consumer.subscribe(List.of(Topics.RENDER_JOBS.name()));
            consumer.poll(Duration.ofMillis(500));
            // requests go in through the Kafka intake, all at once: the rate is the coordinator's, not one HTTP round trip's
            long t0 = System.nanoTime();
            long now = System.currentTimeMillis();
            for (int v = 0; v < rateValidations; v++) {
                String id = "rate-" + UUID.randomUUID();
                ids.add(id);
                requests.send(new ProducerRecord<>(Topics.VALIDATION_REQUESTS.name(), id, ValidationRequest.newBuilder()
                        .setValidationId(id).setSubmissions(subs).setSeed(v).setImages(perValidation)
                        .setPrompts(List.of("a red circle on a blue background")).setSettings(AvroMapping.toAvro(Defaults.RENDER))
                        .setRule(AvroMapping.toAvro(Defaults.RULE)).setDeadlineMillis(now + 3_600_000).setRequestedAtMillis(now).build()));
            }
            requests.flush();
            while (jobs.size() < total) {
                for (ConsumerRecord<String, RenderJob> r : consumer.poll(Duration.ofMillis(200))) {
                    jobs.add(r.value());
                }
                bar.set(jobs.size(), total, "fan-out");
            }
            fanOutSeconds = (System.nanoTime() - t0) / 1e9;
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        DeviceInfo device = new DeviceInfo(DeviceKind.CPU, "bench", 0L, 1, "none", Precision.FLOAT32);
        Set<String> decided = new HashSet<>();
        try (KafkaProducer<String, ImageScore> producer = new KafkaProducer<>(p, new StringSerializer(), Topics.IMAGE_SCORES.valueSerde().serializer());
                KafkaConsumer<String, ValidationDecision> decisions = new KafkaConsumer<>(c, new StringDeserializer(), Topics.VALIDATION_DECISIONS.valueSerde().deserializer())) {
            decisions.subscribe(List.of(Topics.VALIDATION_DECISIONS.name()));
            decisions.poll(Duration.ofMillis(500));
            long t0 = System.nanoTime();
            for (RenderJob job : jobs) {
                List<SubmissionResult> results = job.getSubmissions().stream()
                        .map(s -> new SubmissionResult(s.getId(), (long) (job.getImageIndex() * 31 + s.getId().hashCode()), 0L, null))
                        .toList();
                producer.send(new ProducerRecord<>(Topics.IMAGE_SCORES.name(), job.getValidationId(), new ImageScore(
                        job.getValidationId(), job.getImageIndex(), 0, "bench", device, results, 0L, 0L, job.getNonce())));
            }
            producer.flush();
            while (!decided.containsAll(ids)) {
                for (ConsumerRecord<String, ValidationDecision> r : decisions.poll(Duration.ofMillis(200))) {
                    if (r.value().getStatus() == DecisionStatus.DECIDED) {
                        decided.add(r.key());
                    }
                }
                bar.set(decided.size(), ids.size(), "aggregation");
            }
            return new Rates(rateValidations, perValidation, fanOutSeconds, (System.nanoTime() - t0) / 1e9);
        }
    }
}
