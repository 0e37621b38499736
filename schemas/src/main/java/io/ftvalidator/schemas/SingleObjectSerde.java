package io.ftvalidator.schemas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding (magic {@code C3 01}, the 8-byte schema fingerprint, binary body)
 * for Kafka, without a registry. The writer's schema also travels in the record header
 * {@value #SCHEMA_HEADER}, so a reader built with an older schema resolves a newer writer's record
 * by Avro's schema resolution: old readers read new writers, new readers read old writers, within
 * the rules of docs/topics.md. {@link RecordSerde} chooses between this and {@link RegistrySerde}.
 */
public class SingleObjectSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

    /** Record header holding the writer schema's Avro parsing canonical form. */
    public static final String SCHEMA_HEADER = "ftval.avro.schema";

    /** The most items one array or map of a record may declare ({@link AvroLimits}). */
    public static final int MAX_COLLECTION_ITEMS = AvroLimits.MAX_COLLECTION_ITEMS;

    /** The longest string or byte array one field may declare ({@link AvroLimits}). */
    public static final int MAX_STRING_BYTES = AvroLimits.MAX_STRING_BYTES;

    static {
        AvroLimits.install();
    }

    private final Class<T> type;
    private final Schema schema;
    private final byte[] schemaHeader;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final SchemaStore.Cache writers = new SchemaStore.Cache();

    public SingleObjectSerde(Class<T> type) {
        this.type = type;
        // the record class's own class loader: messaging threads may have another context loader
        SpecificData model = new SpecificData(type.getClassLoader());
        this.schema = model.getSchema(type);
        this.schemaHeader = SchemaNormalization.toParsingForm(schema).getBytes(StandardCharsets.UTF_8);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, writers);
    }

    public Schema schema() {
        return schema;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            ByteBuffer buffer = encoder.encode(data);
            byte[] out = new byte[buffer.remaining()];
            buffer.get(out);
            return out;
        } catch (IOException | AvroRuntimeException e) {
            throw new SerializationException("cannot encode a " + type.getSimpleName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        if (data != null && headers != null) {
            headers.remove(SCHEMA_HEADER);
            headers.add(SCHEMA_HEADER, schemaHeader);
        }
        return serialize(topic, data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return deserialize(topic, null, data);
    }

    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            try {
                return decoder.decode(data);
            } catch (MissingSchemaException unknownWriter) {
                Header header = headers == null ? null : headers.lastHeader(SCHEMA_HEADER);
                if (header == null) {
                    throw unknownWriter;
                }
                writers.addSchema(new Schema.Parser().parse(new String(header.value(), StandardCharsets.UTF_8)));
                return decoder.decode(data);
            }
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "topic " + topic + ": not a readable " + type.getSimpleName() + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the schema comes from the record class
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
