package io.ftvalidator.schemas;

import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of one record type on the cluster's topics, in the encoding its client's configuration
 * names:
 *
 * <ul>
 *   <li>{@code ftval.serde=single-object} (the default): Avro single-object encoding, no registry
 *       ({@link SingleObjectSerde});
 *   <li>{@code ftval.serde=registry}: the schema registry wire format, byte 0 and a 4-byte schema
 *       id ({@link RegistrySerde}); needs {@code apicurio.registry.url}, the registry's
 *       {@code /apis/registry/v3} address.
 * </ul>
 *
 * Writers write the configured encoding. Readers read both, told apart by the first byte (0 for the
 * registry, {@code C3} for single-object), so a deployment moves from one to the other without
 * draining its topics: give readers the registry URL first, then switch the writers.
 *
 * <p>Kafka configures a serde it makes from a class name ({@code value.serializer} /
 * {@code value.deserializer}) with the client's whole configuration, so {@code ftval.serde} and
 * {@code apicurio.registry.*} go beside the other client properties. A serde instance handed to a
 * client (a {@code KafkaProducer}, {@code KafkaConsumer}, {@code KafkaShareConsumer} or a Kafka
 * Streams topology) is not configured by it: make it with {@link Topics.Topic#valueSerde(Map)}.
 * Until configured, a serde writes single-object encoding.
 */
public class RecordSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

    /** The configuration key choosing the encoding: {@code single-object} or {@code registry}. */
    public static final String ENCODING = "ftval.serde";

    static {
        AvroLimits.install(); // before the registry's deserializer reads a byte, too
    }

    /** The registry's core API address, e.g. {@code http://registry:8080/apis/registry/v3}. */
    public static final String REGISTRY_URL = SchemaResolverConfig.REGISTRY_URL;

    /** The encodings {@value #ENCODING} names. */
    public enum Encoding {
        SINGLE_OBJECT("single-object"),
        REGISTRY("registry");

        private final String value;

        Encoding(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }

        /** The encoding a configuration value names; null or empty is single-object. */
        public static Encoding of(Object configured) {
            if (configured == null || configured.toString().isBlank()) {
                return SINGLE_OBJECT;
            }
            String name = configured.toString().trim().toLowerCase(Locale.ROOT);
            for (Encoding e : values()) {
                if (e.value.equals(name)) {
                    return e;
                }
            }
            throw new ConfigException(ENCODING, configured, "must be single-object or registry");
        }
    }

    private final Class<T> type;
    private final SingleObjectSerde<T> singleObject;
    private Encoding encoding = Encoding.SINGLE_OBJECT;
    private RegistrySerde<T> registry;

    protected RecordSerde(Class<T> type) {
        this.type = type;
        this.singleObject = new SingleObjectSerde<>(type);
    }

    public Class<T> type() {
        return type;
    }

    /** The encoding this serde writes. */
    public Encoding encoding() {
        return encoding;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Encoding configured = Encoding.of(configs.get(ENCODING));
        Object url = configs.get(REGISTRY_URL);
        boolean hasUrl = url != null && !url.toString().isBlank();
        if (configured == Encoding.REGISTRY && !hasUrl) {
            throw new ConfigException(ENCODING + "=registry needs " + REGISTRY_URL
                    + ", the registry's /apis/registry/v3 address (or " + ENCODING + "=single-object)");
        }
        close();
        registry = hasUrl ? new RegistrySerde<>(type, configs, isKey) : null;
        encoding = configured;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return serialize(topic, null, data);
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        if (data == null) {
            return null;
        }
        if (encoding == Encoding.SINGLE_OBJECT) {
            return singleObject.serialize(topic, headers, data);
        }
        if (registry == null) {
            throw new IllegalStateException("the " + type.getSimpleName() + " serde of topic " + topic + " is closed");
        }
        return registry.serialize(topic, data);
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
        if (data.length > 0 && data[0] == 0) {
            if (registry == null) {
                throw new SerializationException("topic " + topic + ": a " + type.getSimpleName()
                        + " in the schema registry wire format (schema id " + schemaId(data) + "), but no registry is configured: set "
                        + REGISTRY_URL + " (and " + ENCODING + "=registry to write that format too)");
            }
            return registry.deserialize(topic, data);
        }
        return singleObject.deserialize(topic, headers, data);
    }

    /** The schema id of a record in the registry wire format, or -1 when it is too short to hold one. */
    static int schemaId(byte[] data) {
        return data.length < 5 ? -1 : ByteBuffer.wrap(data, 1, 4).getInt();
    }

    @Override
    public void close() {
        if (registry != null) {
            registry.close();
            registry = null;
        }
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
