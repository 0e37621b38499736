package io.ftvalidator.cli;

import io.ftvalidator.local.EmbeddedKafka;
import io.ftvalidator.local.LocalRegistry;
import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.DeviceKind;
import io.ftvalidator.schemas.Precision;
import io.ftvalidator.schemas.FailedSubmission;
import io.ftvalidator.schemas.HashAlgorithm;
import io.ftvalidator.schemas.ImageProvenance;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.PairResult;
import io.ftvalidator.schemas.RecordSerde;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.SingleObjectSerde;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.Verdict;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Bytes per record of each topic's records, in each encoding, with each compression codec, as the
 * broker stores them (the log size of a topic holding only them, divided by their number): what a
 * record costs on disk, in replication and on the wire. Starts its own broker and registry.
 */
@Command(name = "wire", description = "Bytes per record on the broker: single-object encoding (with its schema header) against the "
        + "registry wire format, no compression against gzip, snappy, lz4 and zstd, in full batches and one record per batch.")
final class WireBench implements Callable<Integer> {

    private static final List<String> CODECS = List.of("none", "gzip", "snappy", "lz4", "zstd");

    @Spec
    CommandSpec spec;

    @Option(names = "--records", defaultValue = "2000", description = "records per topic when batched (default: ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--single", defaultValue = "200", description = "records per topic sent one per batch (default: ${DEFAULT-VALUE})")
    int single;

    @Option(names = "--submissions", defaultValue = "3", description = "submissions per validation (default: ${DEFAULT-VALUE})")
    int submissions;

    @Option(names = "--images", defaultValue = "16", description = "images per validation (default: ${DEFAULT-VALUE})")
    int images;

    private final Random random = new Random(42);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("ftval-wire-bench-");
        try (LocalRegistry registry = LocalRegistry.start(LocalRegistry.defaultApp(Home.path()), work, Duration.ofSeconds(120));
                EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"), 0, Map.of());
                Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            out.printf("broker %s, Apicurio Registry %s started in %.1f s; %d submissions, %d images per validation%n",
                    kafka.bootstrapServers(), LocalRegistry.VERSION, registry.startedIn().toMillis() / 1e3, submissions, images);
            Map<String, Object> registryMode = Map.of(RecordSerde.ENCODING, "registry", RecordSerde.REGISTRY_URL, registry.url());
            measure(out, admin, kafka, registryMode, Topics.VALIDATION_REQUESTS, this::request);
            measure(out, admin, kafka, registryMode, Topics.RENDER_JOBS, this::job);
            measure(out, admin, kafka, registryMode, Topics.IMAGE_SCORES, this::score);
            measure(out, admin, kafka, registryMode, Topics.VALIDATION_DECISIONS, this::decision);
        }
        return 0;
    }

    private <V extends SpecificRecord> void measure(PrintWriter out, Admin admin, EmbeddedKafka kafka, Map<String, Object> registryMode,
            Topics.Topic<String, V> topic, IntFunction<V> make) throws Exception {
        V sample = make.apply(0);
        RecordHeaders headers = new RecordHeaders();
        byte[] singleObject = topic.valueSerde().serializer().serialize(topic.name(), headers, sample);
        int header = SingleObjectSerde.SCHEMA_HEADER.length() + headers.lastHeader(SingleObjectSerde.SCHEMA_HEADER).value().length;
        byte[] registry = topic.valueSerde(registryMode).serializer().serialize(topic.name(), sample);
        out.printf("%n%s (%s): value %d bytes single-object (10 of them its marker and fingerprint) + %d bytes schema header; "
                + "registry wire format %d bytes (5 of them byte 0 and the schema id)%n",
                topic.name(), sample.getClass().getSimpleName(), singleObject.length, header, registry.length);
        out.printf("  bytes per record on the broker%-16s", "");
        for (String codec : CODECS) {
            out.printf("%9s", codec);
        }
        out.println();
        for (boolean batched : List.of(true, false)) {
            for (String encoding : List.of("single-object", "registry")) {
                Map<String, Object> serde = encoding.equals("registry") ? registryMode : Map.of(RecordSerde.ENCODING, encoding);
                out.printf("  %-13s %-32s", encoding, batched ? "batched (" + records + " records)" : "one per batch (" + single + ")");
                for (String codec : CODECS) {
                    int n = batched ? records : single;
                    String name = "bench." + topic.name() + "." + encoding + "." + codec + (batched ? ".batched" : ".single");
                    admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
                    produce(kafka, name, topic.valueSerde(serde), codec, batched, n, make);
                    long bytes = admin.describeLogDirs(List.of(1)).allDescriptions().get().get(1).values().stream()
                            .mapToLong(d -> d.replicaInfos().getOrDefault(new TopicPartition(name, 0), null) == null ? 0
                                    : d.replicaInfos().get(new TopicPartition(name, 0)).size())
                            .sum();
                    out.printf("%9.1f", bytes / (double) n);
                }
                out.println();
                out.flush();
            }
        }
    }

    private static <V> void produce(EmbeddedKafka kafka, String topic, Serde<V> serde, String codec, boolean batched, int n,
            IntFunction<V> make) throws Exception {
        Map<String, Object> p = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.LINGER_MS_CONFIG, batched ? 100 : 0,
                ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(p, new StringSerializer(), serde.serializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                V value = make.apply(i);
                Future<?> f = producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), value));
                if (batched) {
                    sent.add(f);
                } else {
                    f.get();
                }
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
    }

    // --- records shaped like the cluster's: random ids and digests (incompressible, as real ones are)

    private String digest() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private List<SubmissionSpec> submissionSpecs() {
        String base = digest();
        List<SubmissionSpec> out = new ArrayList<>();
        for (int s = 0; s < submissions; s++) {
            String node = "node-" + UUID.randomUUID();
            out.add(new SubmissionSpec(node, "https://models.example.net/loras/" + node + "/adapter_model.safetensors", digest(),
                    "https://models.example.net/base/sd15-" + base.substring(0, 12) + ".zip", base));
        }
        return out;
    }

    private List<String> prompts() {
        List<String> all = Fixtures.prompts();
        return all.subList(0, Math.min(images, all.size()));
    }

    private ValidationRequest request(int i) {
        return ValidationRequest.newBuilder().setValidationId(UUID.randomUUID().toString()).setSubmissions(submissionSpecs())
                .setSeed(random.nextLong()).setImages(images).setPrompts(prompts()).setSettings(RenderSettings.newBuilder().build())
                .setRule(Rule.MEAN).setHashAlgorithm(HashAlgorithm.GOIMAGEHASH).setDeadlineMillis(1_800_000_000_000L + i)
                .setRequestedAtMillis(1_800_000_000_000L + i).build();
    }

    private RenderJob job(int i) {
        List<String> prompts = prompts();
        return RenderJob.newBuilder().setValidationId(UUID.randomUUID().toString()).setImageIndex(i % images).setImages(images)
                .setSeed(random.nextLong()).setPrompt(prompts.get(i % prompts.size())).setSettings(RenderSettings.newBuilder().build())
                .setSubmissions(submissionSpecs()).setDeadlineMillis(1_800_000_000_000L + i).build();
    }

    private ImageScore score(int i) {
        List<SubmissionResult> results = new ArrayList<>();
        for (int s = 0; s < submissions; s++) {
            results.add(new SubmissionResult("node-" + UUID.randomUUID(), random.nextLong(), 350L + random.nextInt(100), null));
        }
        return ImageScore.newBuilder().setValidationId(UUID.randomUUID().toString()).setImageIndex(i % images).setAttempt(0)
                .setWorkerId("worker-" + (i % 8)).setDevice(new DeviceInfo(DeviceKind.GPU, "NVIDIA H100 80GB HBM3", 85_520_809_984L, 8, "PyTorch 2.7.1", Precision.FLOAT32))
                .setResults(results).setStartedAtMillis(1_800_000_000_000L + i).setFinishedAtMillis(1_800_000_001_000L + i).build();
    }

    private ValidationDecision decision(int i) {
        List<String> ids = new ArrayList<>();
        for (int s = 0; s < submissions; s++) {
            ids.add("node-" + UUID.randomUUID());
        }
        List<PairResult> pairs = new ArrayList<>();
        for (int a = 0; a < submissions; a++) {
            for (int b = a + 1; b < submissions; b++) {
                List<Integer> distances = new ArrayList<>();
                for (int k = 0; k < images; k++) {
                    distances.add(random.nextInt(12));
                }
                pairs.add(new PairResult(ids.get(a), ids.get(b), distances.stream().mapToInt(Integer::intValue).average().orElse(0),
                        distances.stream().mapToInt(Integer::intValue).max().orElse(0), distances, true));
            }
        }
        List<ImageProvenance> renders = new ArrayList<>();
        for (int k = 0; k < images; k++) {
            renders.add(new ImageProvenance(k, "worker-" + (k % 8), DeviceKind.GPU, "NVIDIA H100 80GB HBM3"));
        }
        return ValidationDecision.newBuilder().setValidationId(UUID.randomUUID().toString()).setStatus(DecisionStatus.DECIDED)
                .setVerdict(Verdict.AGREED).setReason("all " + submissions + " submissions are the same model").setRule(Rule.MEAN)
                .setThreshold(10).setHashAlgorithm(HashAlgorithm.GOIMAGEHASH).setImages(images).setImagesDone(images).setPairs(pairs)
                .setAgreeing(ids).setOutliers(List.<String>of()).setFailed(List.<FailedSubmission>of()).setRenders(renders)
                .setDecidedAtMillis(1_800_000_000_000L + i).build();
    }
}
