package io.ftvalidator.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class SingleObjectSerdeTest {

    private static SubmissionSpec submission(String id) {
        return SubmissionSpec.newBuilder().setId(id).setModelUri("file:/models/" + id + ".safetensors")
                .setSha256("ab".repeat(32)).setBaseModelUri("file:/models/base.zip").setBaseSha256("cd".repeat(32)).build();
    }

    private static RenderJob job() {
        return RenderJob.newBuilder().setValidationId("v-1").setImageIndex(3).setImages(16).setSeed(-1L)
                .setPrompt("a red circle").setSettings(RenderSettings.newBuilder().build())
                .setSubmissions(List.of(submission("a"), submission("b"))).setDeadlineMillis(123L).build();
    }

    @Test
    void shouldRoundTripARecordInSingleObjectEncoding() {
        SingleObjectSerde<RenderJob> serde = new SingleObjectSerde<>(RenderJob.class);
        Headers headers = new RecordHeaders();
        byte[] bytes = serde.serialize("t", headers, job());
        assertThat(bytes[0]).isEqualTo((byte) 0xC3); // single-object encoding marker C3 01
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(serde.deserialize("t", headers, bytes)).isEqualTo(job());
        assertThat(new String(headers.lastHeader(SingleObjectSerde.SCHEMA_HEADER).value(), StandardCharsets.UTF_8))
                .isEqualTo(SchemaNormalization.toParsingForm(RenderJob.getClassSchema()));
        assertThat(serde.deserialize("t", bytes).getSeed()).isEqualTo(-1L); // seeds are unsigned 64-bit
    }

    @Test
    void shouldLetAnOldReaderReadANewWritersRecord() throws Exception {
        // a newer RenderSettings-bearing RenderJob: one field more, with a default, as docs/topics.md allows
        Schema current = RenderJob.getClassSchema();
        String newer = current.toString().replace(
                "{\"name\":\"attempt\",\"type\":\"int\",\"default\":0}",
                "{\"name\":\"attempt\",\"type\":\"int\",\"default\":0},{\"name\":\"priority\",\"type\":\"int\",\"default\":5}");
        Schema newSchema = new Schema.Parser().parse(newer);
        assertThat(newSchema.getField("priority")).isNotNull();
        GenericRecord record = new GenericData.Record(newSchema);
        RenderJob original = job();
        for (Schema.Field f : current.getFields()) {
            record.put(f.name(), GenericData.get().deepCopy(f.schema(), toGeneric(original, f)));
        }
        record.put("priority", 9);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), newSchema).encode(record);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Headers headers = new RecordHeaders();
        headers.add(SingleObjectSerde.SCHEMA_HEADER, SchemaNormalization.toParsingForm(newSchema).getBytes(StandardCharsets.UTF_8));

        RenderJob read = new SingleObjectSerde<>(RenderJob.class).deserialize("ftval.render-jobs", headers, bytes);
        assertThat(read).isEqualTo(original);
    }

    @Test
    void shouldLetANewReaderReadAnOldWritersRecord() throws Exception {
        // an older RenderJob without 'attempt': the reader fills in the default
        Schema current = RenderJob.getClassSchema();
        Schema oldSchema = new Schema.Parser().parse(current.toString().replace(",{\"name\":\"attempt\",\"type\":\"int\",\"default\":0}", ""));
        assertThat(oldSchema.getField("attempt")).isNull();
        GenericRecord record = new GenericData.Record(oldSchema);
        RenderJob original = job();
        for (Schema.Field f : oldSchema.getFields()) {
            record.put(f.name(), GenericData.get().deepCopy(current.getField(f.name()).schema(), toGeneric(original, current.getField(f.name()))));
        }
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), oldSchema).encode(record);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        Headers headers = new RecordHeaders();
        headers.add(SingleObjectSerde.SCHEMA_HEADER, SchemaNormalization.toParsingForm(oldSchema).getBytes(StandardCharsets.UTF_8));

        RenderJob read = new SingleObjectSerde<>(RenderJob.class).deserialize("t", headers, bytes);
        assertThat(read.getAttempt()).isZero();
        assertThat(read.getPrompt()).isEqualTo("a red circle");
    }

    @Test
    void shouldRefuseAPoisonRecordWithAMessageNamingTheTopic() {
        SingleObjectSerde<RenderJob> serde = new SingleObjectSerde<>(RenderJob.class);
        assertThatThrownBy(() -> serde.deserialize("ftval.render-jobs", new RecordHeaders(), "not avro".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("topic ftval.render-jobs: not a readable RenderJob");
    }

    @Test
    void shouldKeepTheLimitsWhateverLoadedAvroFirst() {
        // a builder decodes its fields' defaults, which loads Avro's limits before any serde exists
        RenderSettings.newBuilder().build();
        new SingleObjectSerde<>(RenderJob.class);
        assertThat(AvroLimits.inEffect()).isTrue();
    }

    @Test
    void shouldRefuseARecordDeclaringAHugeArrayWithoutAllocatingIt() {
        // a RenderJob whose every field is empty until 'submissions', which declares 2^30 items
        byte[] body = {0, 0, 0, 0, 0, /* settings: */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* submissions: */
            (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        SingleObjectSerde<RenderJob> serde = new SingleObjectSerde<>(RenderJob.class);
        assertThatThrownBy(() -> serde.deserialize("ftval.render-jobs", new RecordHeaders(), singleObject(RenderJob.getClassSchema(), body)))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("topic ftval.render-jobs: not a readable RenderJob")
                .hasMessageContaining("Collection length 1073741824 exceeds");
    }

    @Test
    void shouldRefuseARecordDeclaringAHugeStringWithoutAllocatingIt() {
        // 17 bytes: the 10-byte header, then a validation id declaring 2^30 bytes
        byte[] bytes = singleObject(RenderJob.getClassSchema(), new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08, 0, 0});
        assertThat(bytes).hasSize(17);
        SingleObjectSerde<RenderJob> serde = new SingleObjectSerde<>(RenderJob.class);
        assertThatThrownBy(() -> serde.deserialize("ftval.render-jobs", new RecordHeaders(), bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("String length 1073741824 exceeds");
    }

    /** Avro single-object encoding of {@code body}: C3 01, the schema's fingerprint, the body. */
    private static byte[] singleObject(Schema schema, byte[] body) {
        ByteBuffer out = ByteBuffer.allocate(10 + body.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0xC3).put((byte) 0x01).putLong(SchemaNormalization.parsingFingerprint64(schema)).put(body);
        return out.array();
    }

    /** The generic form of a specific record's field, through Avro's own binary round trip. */
    private static Object toGeneric(RenderJob job, Schema.Field field) throws Exception {
        GenericRecord generic = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), RenderJob.getClassSchema())
                .decode(job.toByteBuffer());
        return generic.get(field.name());
    }
}
