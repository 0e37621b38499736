package io.ftvalidator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.DeviceKind;
import io.ftvalidator.schemas.ImageProvenance;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.Serdes;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.Verdict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Other services' clients, in Java, Python and kcat, against a cluster in registry mode (broker,
 * Apicurio Registry, coordinator, one worker): each submits or reads real validations of the
 * fixture models, 2 images each. docs/integration.md shows the same code and commands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryClientsIT {

    private static final int IMAGES = 2;
    private static final Duration DECISION = Duration.ofMinutes(4);

    private TestCluster cluster;
    private ValidationDecision javaDecision;

    @BeforeAll
    void start() throws Exception {
        cluster = RegistryCluster.get();
    }

    @Test
    void shouldDecideAValidationThatAJavaClientWritesToTheRequestTopic() throws Exception {
        ValidationDecision d = javaDecision();
        assertThat(d.getStatus()).isEqualTo(DecisionStatus.DECIDED);
        assertThat(d.getVerdict()).isEqualTo(Verdict.AGREED);
        assertThat(d.getAgreeing()).containsExactly("honest-1", "honest-3");
        assertThat(d.getPairs()).hasSize(1);
        assertThat(d.getPairs().get(0).getDistances()).hasSize(IMAGES);
        assertThat(d.getRenders()).extracting(ImageProvenance::getImageIndex).containsExactly(0, 1);
        assertThat(d.getRenders()).extracting(ImageProvenance::getWorkerId).containsOnly("worker-1");
        assertThat(d.getRenders()).extracting(ImageProvenance::getDeviceKind).containsOnly(DeviceKind.CPU);
    }

    @Test
    void shouldServeAPythonClientThatUsesOnlyTheRegistry() throws Exception {
        Programs.assumePythonClient();
        String id = "python-registry-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of("validate", "--bootstrap", cluster.cluster.bootstrapServers(),
                "--registry", cluster.registry().ccompatUrl(), "--id", id, "--base", uriAndDigest(TestCluster.base()),
                "--images", Integer.toString(IMAGES), "--timeout", Long.toString(DECISION.toSeconds())));
        for (String name : List.of("honest-1", "honest-2", "dishonest-random")) {
            args.addAll(List.of("--model", name + "=" + uriAndDigest(TestCluster.lora(name))));
        }
        TestCluster.prompts(IMAGES).forEach(p -> args.addAll(List.of("--prompt", p)));

        Programs.Result r = Programs.pythonClient(args, DECISION.plusSeconds(60));
        assertThat(r.exit()).as(r.describe()).isZero();
        JsonNode d = TestCluster.JSON.readTree(r.out());
        assertThat(d.path("validationId").asText()).isEqualTo(id);
        assertThat(d.path("status").asText()).isEqualTo("DECIDED");
        assertThat(d.path("verdict").asText()).isEqualTo("OUTLIER");
        assertThat(d.path("outliers").toString()).isEqualTo("[\"dishonest-random\"]");
        assertThat(d.path("agreeing").toString()).isEqualTo("[\"honest-1\",\"honest-2\"]");
        assertThat(d.path("pairs")).hasSize(3);
        assertThat(d.path("pairs").get(0).path("distances")).hasSize(IMAGES);
        assertThat(d.path("renders")).hasSize(IMAGES);
        assertThat(d.path("renders").get(0).path("deviceKind").asText()).isEqualTo("CPU");
    }

    @Test
    void shouldPrintDecisionsWithDebiansKcatAndThePythonDecoder() throws Exception {
        Programs.assumeKcat();
        Programs.assumePythonClient();
        ValidationDecision expected = javaDecision();
        String pipeline = "kcat -C -b " + cluster.cluster.bootstrapServers() + " -t " + Topics.VALIDATION_DECISIONS.name()
                + " -o beginning -e -q -X isolation.level=read_committed -f '%K\\t%k%R%s'"
                + " | " + Programs.PYTHON + " " + Programs.CLIENT + " decode --registry " + cluster.registry().ccompatUrl();
        Programs.Result r = Programs.shell(pipeline, Duration.ofSeconds(120));
        assertThat(r.exit()).as(r.describe()).isZero();
        JsonNode d = null;
        for (String line : r.out().split("\n")) {
            JsonNode record = TestCluster.JSON.readTree(line);
            if (record.path("key").asText().equals(expected.getValidationId())) {
                d = record.path("value");
            }
        }
        assertThat(d).as(r.describe()).isNotNull();
        assertThat(d.path("status").asText()).isEqualTo("DECIDED");
        assertThat(d.path("verdict").asText()).isEqualTo("AGREED");
        assertThat(d.path("pairs").get(0).path("distances").toString()).isEqualTo(expected.getPairs().get(0).getDistances().toString().replace(" ", ""));
        assertThat(d.path("decidedAtMillis").asLong()).isEqualTo(expected.getDecidedAtMillis());
    }

    @Test
    void shouldPrintDecisionsWithKcatsAvroModeThroughTheConfluentCompatibleApi() throws Exception {
        String kcat = Programs.avroKcat().orElse(null);
        org.assertj.core.api.Assumptions.assumeThat(kcat)
                .as("a kcat built with Avro support (libserdes), in FTVAL_KCAT or on the PATH: Debian's kcat 1.7.1 is built without it "
                        + "(\"This build of kcat lacks Avro/Schema-Registry support\")")
                .isNotNull();
        ValidationDecision expected = javaDecision();
        Programs.Result r = Programs.run(List.of(kcat, "-C", "-b", cluster.cluster.bootstrapServers(), "-t", Topics.VALIDATION_DECISIONS.name(),
                "-s", "value=avro", "-r", cluster.registry().ccompatUrl(), "-o", "beginning", "-e", "-q",
                "-X", "isolation.level=read_committed", "-f", "%k\\t%s\\n"), Duration.ofSeconds(120));
        assertThat(r.exit()).as(r.describe()).isZero();
        String line = r.out().lines().filter(l -> l.startsWith(expected.getValidationId() + "\t")).findFirst().orElse(null);
        assertThat(line).as(r.describe()).isNotNull();
        JsonNode d = TestCluster.JSON.readTree(line.substring(line.indexOf('\t') + 1));
        assertThat(d.path("verdict").asText()).isEqualTo("AGREED");
        assertThat(d.path("agreeing").toString()).isEqualTo("[\"honest-1\",\"honest-3\"]");
        assertThat(d.path("renders")).hasSize(IMAGES);
    }

    /** A validation a Java client submits on the request topic, decided once and shared by the tests that read it. */
    private synchronized ValidationDecision javaDecision() throws Exception {
        if (javaDecision == null) {
            String id = "java-registry-" + UUID.randomUUID();
            List<SubmissionSpec> submissions = new ArrayList<>();
            String baseDigest = Verified.digestOf(TestCluster.base());
            for (String name : List.of("honest-1", "honest-3")) {
                Path lora = TestCluster.lora(name);
                submissions.add(new SubmissionSpec(name, lora.toUri().toString(), Verified.digestOf(lora), TestCluster.base().toUri().toString(), baseDigest));
            }
            ValidationRequest request = ValidationRequest.newBuilder().setValidationId(id).setSubmissions(submissions).setSeed(42)
                    .setImages(IMAGES).setPrompts(TestCluster.prompts(IMAGES)).setSettings(RenderSettings.newBuilder().build())
                    .setRule(Rule.MEAN).setDeadlineMillis(System.currentTimeMillis() + DECISION.toMillis())
                    .setRequestedAtMillis(System.currentTimeMillis()).build();

            // what docs/integration.md shows: the serdes configured by class name, beside the registry settings
            Properties producerConfig = cluster.clientConfig();
            producerConfig.put("key.serializer", StringSerializer.class.getName());
            producerConfig.put("value.serializer", Serdes.ValidationRequestSerde.class.getName());
            producerConfig.put("acks", "all");
            producerConfig.put("compression.type", "zstd");
            try (KafkaProducer<String, ValidationRequest> producer = new KafkaProducer<>(producerConfig)) {
                producer.send(new ProducerRecord<>(Topics.VALIDATION_REQUESTS.name(), id, request)).get();
            }
            Properties consumerConfig = cluster.clientConfig();
            consumerConfig.put("key.deserializer", StringDeserializer.class.getName());
            consumerConfig.put("value.deserializer", Serdes.ValidationDecisionSerde.class.getName());
            consumerConfig.put("group.id", "java-client-" + UUID.randomUUID());
            consumerConfig.put("auto.offset.reset", "earliest");
            consumerConfig.put("isolation.level", "read_committed");
            try (KafkaConsumer<String, ValidationDecision> consumer = new KafkaConsumer<>(consumerConfig)) {
                consumer.subscribe(List.of(Topics.VALIDATION_DECISIONS.name()));
                long until = System.nanoTime() + DECISION.toNanos();
                while (javaDecision == null && System.nanoTime() < until) {
                    for (ConsumerRecord<String, ValidationDecision> r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.key().equals(id)) {
                            javaDecision = r.value();
                        }
                    }
                }
            }
            assertThat(javaDecision).as("the decision of %s; coordinator log:\n%s", id,
                    io.ftvalidator.local.LocalCluster.tail(cluster.cluster.coordinator().log())).isNotNull();
        }
        return javaDecision;
    }

    private static String uriAndDigest(Path model) {
        return model.toUri() + "#" + Verified.digestOf(model);
    }
}
