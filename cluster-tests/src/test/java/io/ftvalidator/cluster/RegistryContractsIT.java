package io.ftvalidator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.apicurio.registry.rest.client.models.ProblemDetails;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.HashAlgorithm;
import io.ftvalidator.schemas.PairResult;
import io.ftvalidator.schemas.RecordSerde;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.SchemaRegistration;
import io.ftvalidator.schemas.Serdes;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.Verdict;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract as a real Apicurio Registry holds and enforces it, through a real broker: the wire
 * format and its ids, the compatibility rule refusing what would break readers, and readers
 * compiled on today's schema reading what a later release writes. Each test uses topics and
 * subjects of its own on the registry-mode cluster's broker and registry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryContractsIT {

    private TestCluster cluster;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        cluster = RegistryCluster.get();
    }

    private Map<String, Object> registryConfig() {
        return Map.of(RecordSerde.ENCODING, "registry", RecordSerde.REGISTRY_URL, cluster.registry().url());
    }

    private static ValidationDecision decision(String id) {
        return ValidationDecision.newBuilder().setValidationId(id).setStatus(DecisionStatus.DECIDED).setVerdict(Verdict.OUTLIER)
                .setReason("dishonest is the outlier").setRule(Rule.MEAN).setThreshold(10).setHashAlgorithm(HashAlgorithm.GOIMAGEHASH)
                .setImages(2).setImagesDone(2)
                .setPairs(List.of(new PairResult("honest-1", "dishonest", 23.5, 27, List.of(20, 27), false)))
                .setAgreeing(List.of("honest-1", "honest-2")).setOutliers(List.of("dishonest")).setFailed(List.of())
                .setRenders(List.of()).setDecidedAtMillis(1_800_000_000_000L).build();
    }

    private String topic(String what) throws Exception {
        String name = "contracts." + what + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        }
        return name;
    }

    private JsonNode ccompat(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(cluster.registry().ccompatUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return TestCluster.JSON.readTree(r.body());
    }

    @Test
    void shouldWriteTheRegistryWireFormatWithTheSchemaIdTheConfluentCompatibleApiServes() throws Exception {
        String topic = topic("wire");
        ValidationDecision sent = decision("wire-1");
        Properties p = cluster.clientConfig();
        try (KafkaProducer<String, ValidationDecision> producer = new KafkaProducer<>(p, new StringSerializer(),
                Topics.VALIDATION_DECISIONS.valueSerde(registryConfig()).serializer())) {
            producer.send(new ProducerRecord<>(topic, "wire-1", sent)).get();
        }
        byte[] bytes = readRaw(topic).get(0);

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
        new SpecificDatumWriter<>(ValidationDecision.class).write(sent, encoder);
        encoder.flush();
        assertThat(bytes[0]).isZero();
        assertThat(bytes).hasSize(5 + body.size());
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(body.toByteArray());
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        JsonNode latest = ccompat("/subjects/" + topic + "-value/versions/latest");
        assertThat(latest.path("id").asInt()).isEqualTo(id);
        Schema served = new Schema.Parser().parse(ccompat("/schemas/ids/" + id).path("schema").asText());
        assertThat(served).isEqualTo(ValidationDecision.getClassSchema());
        assertThat(ccompat("/schemas/ids/" + id).has("references")).as("one self-contained schema").isFalse();
        assertThat(Topics.VALIDATION_DECISIONS.valueSerde(registryConfig()).deserializer().deserialize(topic, bytes)).isEqualTo(sent);
    }

    @Test
    void shouldRefuseAFieldAddedWithoutADefaultWithTheRegistrysReason() throws Exception {
        String subject = topic("no-default") + "-value";
        assertThat(SchemaRegistration.register(registryConfig(), subject, ValidationDecision.getClassSchema()).compatibility())
                .isEqualTo("FULL_TRANSITIVE");
        // readers of the new schema could not read records written before it
        Schema added = evolve(",{\"name\":\"priority\",\"type\":\"int\"}", null);

        assertThatThrownBy(() -> SchemaRegistration.register(registryConfig(), subject, added))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("the schema registry did not take the schema of subject " + subject
                        + ": registry answered 400: Incompatible artifact: " + subject + " [AVRO], num of incompatible diffs: {1}")
                .hasMessageContaining("priority at /fields/16");
        assertThat(ccompat("/subjects/" + subject + "/versions")).hasSize(1);
    }

    @Test
    void shouldRefuseRemovingAFieldOldReadersNeedWhichBackwardAloneWouldAllow() throws Exception {
        String topic = topic("removed");
        String subject = topic + "-value";
        SchemaRegistration.register(registryConfig(), subject, ValidationDecision.getClassSchema());
        // 'reason' has no default: readers compiled on today's schema could not read a record without it
        Schema current = ValidationDecision.getClassSchema();
        List<Schema.Field> kept = new ArrayList<>();
        current.getFields().stream().filter(f -> !f.name().equals("reason")).forEach(f -> kept.add(new Schema.Field(f, f.schema())));
        Schema removed = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, kept);
        assertThat(removed.getField("reason")).isNull();

        // a producer of such a release, with Apicurio's standard serializer registering as it writes
        AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>();
        serializer.configure(Map.of("apicurio.registry.url", cluster.registry().url(), "apicurio.registry.auto-register", true,
                "apicurio.registry.dereference-schema", true, "apicurio.registry.http.adapter", "JDK"), false);
        GenericRecord record = new GenericData.Record(removed);
        ValidationDecision d = decision("removed-1");
        for (Schema.Field f : removed.getFields()) {
            record.put(f.name(), GenericData.get().deepCopy(f.schema(), generic(d).get(f.name())));
        }
        try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(cluster.clientConfig(), new StringSerializer(), serializer)) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "removed-1", record)).get())
                    .satisfies(e -> assertThat(registryProblem(e)).startsWith("Incompatible artifact: " + subject + " [AVRO]").contains("reason"));
        }
        assertThat(ccompat("/subjects/" + subject + "/versions")).hasSize(1);
        assertThat(readRaw(topic)).isEmpty();
    }

    @Test
    void shouldLetAConsumerCompiledOnTheOldSchemaReadRecordsOfANewCompatibleSchema() throws Exception {
        String topic = topic("evolved");
        String subject = topic + "-value";
        SchemaRegistration.register(registryConfig(), subject, ValidationDecision.getClassSchema());
        // a later release: a field with a default, and a verdict symbol (Verdict has a default)
        Schema newer = evolve(",{\"name\":\"reviewer\",\"type\":[\"null\",\"string\"],\"default\":null}", "SPLIT");
        SchemaRegistration.Registered v2 = SchemaRegistration.register(registryConfig(), subject, newer);
        assertThat(v2.version()).isEqualTo("2");

        GenericRecord record = generic(decision("evolved-1"), newer);
        record.put("verdict", new GenericData.EnumSymbol(newer.getField("verdict").schema(), "SPLIT"));
        record.put("reviewer", "ops");
        AvroKafkaSerializer<GenericRecord> serializer = new AvroKafkaSerializer<>();
        serializer.configure(Map.of("apicurio.registry.url", cluster.registry().url(), "apicurio.registry.dereference-schema", true,
                "apicurio.registry.http.adapter", "JDK"), false);
        try (KafkaProducer<String, GenericRecord> producer = new KafkaProducer<>(cluster.clientConfig(), new StringSerializer(), serializer)) {
            producer.send(new ProducerRecord<>(topic, "evolved-1", record)).get();
        }
        assertThat(ByteBuffer.wrap(readRaw(topic).get(0), 1, 4).getInt()).isEqualTo((int) v2.contentId());

        // today's consumer, its serde configured by class name from the client properties
        Properties c = cluster.clientConfig();
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", Serdes.ValidationDecisionSerde.class.getName());
        ValidationDecision read = consumeOne(c, topic);
        assertThat(read.getVerdict()).as("an unknown symbol reads as the enum's default").isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(read.getValidationId()).isEqualTo("evolved-1");
        assertThat(read.getOutliers()).containsExactly("dishonest");
        assertThat(read.getPairs().get(0).getDistances()).containsExactly(20, 27);
        assertThat(read.getSchema().getField("reviewer")).isNull();
    }

    @Test
    void shouldRefuseARecordOfAnotherTypeNamingTheTopicAndTheSchemaId() throws Exception {
        String topic = topic("wrong-type");
        RenderJob job = RenderJob.newBuilder().setValidationId("v-1").setImageIndex(0).setImages(1).setSeed(42).setPrompt("a red circle")
                .setSettings(RenderSettings.newBuilder().build()).setSubmissions(List.of()).setDeadlineMillis(1L).build();
        byte[] bytes = Topics.RENDER_JOBS.valueSerde(registryConfig()).serializer().serialize(topic, job);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();

        assertThatThrownBy(() -> Topics.VALIDATION_DECISIONS.valueSerde(registryConfig()).deserializer().deserialize(topic, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("topic " + topic + ": not a readable ValidationDecision with schema id " + id + " (")
                .hasMessageContaining("RenderJob");
    }

    @Test
    void shouldReadSingleObjectRecordsInRegistryModeSoATopicCanSwitchEncodingInPlace() throws Exception {
        String topic = topic("switch");
        ValidationDecision before = decision("before");
        ValidationDecision after = decision("after");
        try (KafkaProducer<String, ValidationDecision> old = new KafkaProducer<>(cluster.clientConfig(), new StringSerializer(),
                Topics.VALIDATION_DECISIONS.valueSerde().serializer());
                KafkaProducer<String, ValidationDecision> current = new KafkaProducer<>(cluster.clientConfig(), new StringSerializer(),
                        Topics.VALIDATION_DECISIONS.valueSerde(registryConfig()).serializer())) {
            old.send(new ProducerRecord<>(topic, "before", before)).get();
            current.send(new ProducerRecord<>(topic, "after", after)).get();
        }
        List<byte[]> raw = readRaw(topic);
        assertThat(raw).extracting(b -> b[0]).containsExactly((byte) 0xC3, (byte) 0);
        Properties c = cluster.clientConfig();
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", Serdes.ValidationDecisionSerde.class.getName());
        List<ValidationDecision> read = consume(c, topic);
        assertThat(read).containsExactly(before, after);
    }

    /** The registry's problem detail in an exception's causes (Apicurio's serializer wraps it). */
    private static String registryProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProblemDetails problem) {
                return problem.getDetail();
            }
        }
        throw new AssertionError("no answer of the registry in " + e, e);
    }

    /** {@link ValidationDecision}'s schema with {@code field} appended and, if given, {@code symbol} added to Verdict. */
    private static Schema evolve(String field, String symbol) {
        String json = ValidationDecision.getClassSchema().toString()
                .replace("{\"name\":\"decidedAtMillis\",\"type\":\"long\"}", "{\"name\":\"decidedAtMillis\",\"type\":\"long\"}" + field);
        if (symbol != null) {
            json = json.replace("\"NO_CONSENSUS\",\"INCONCLUSIVE\"]", "\"NO_CONSENSUS\",\"INCONCLUSIVE\",\"" + symbol + "\"]");
        }
        return new Schema.Parser().parse(json);
    }

    /** The generic form of a decision under its own schema. */
    private static GenericRecord generic(ValidationDecision d) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(ValidationDecision.class).write(d, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(ValidationDecision.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    /** The decision as a record of {@code schema}, an evolution of its own: shared fields copied, new ones at their defaults. */
    private static GenericRecord generic(ValidationDecision d, Schema schema) throws Exception {
        GenericRecord own = generic(d);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(ValidationDecision.getClassSchema()).write(own, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(ValidationDecision.getClassSchema(), schema)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    /** The raw values of the topic's single partition, all of them. */
    private List<byte[]> readRaw(String topic) {
        Properties c = cluster.clientConfig();
        c.put("key.deserializer", StringDeserializer.class.getName());
        c.put("value.deserializer", ByteArrayDeserializer.class.getName());
        return consume(c, topic);
    }

    private ValidationDecision consumeOne(Properties config, String topic) {
        List<ValidationDecision> read = consume(config, topic);
        assertThat(read).hasSize(1);
        return read.get(0);
    }

    /** Every value of the topic's single partition, from its start to its end offset. */
    private static <V> List<V> consume(Properties config, String topic) {
        List<V> out = new ArrayList<>();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < until) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }
}
