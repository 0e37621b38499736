package io.ftvalidator.schemas;

import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import io.apicurio.registry.serde.Default4ByteIdHandler;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.apicurio.registry.serde.config.IdOption;
import io.apicurio.registry.serde.config.SerdeConfig;
import io.apicurio.registry.serde.kafka.config.KafkaSerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The schema registry wire format, written and read by Apicurio Registry's standard Kafka serdes
 * (3.1.7, the Quarkus BOM's): byte {@code 0}, the writer schema's 4-byte big-endian id, then the
 * Avro binary body. The id is the registry's content id, which is also the schema id of its
 * Confluent-compatible API ({@code /apis/ccompat/v7/schemas/ids/{id}}), so Confluent clients, kcat
 * and Kafka Connect read the same bytes.
 *
 * <p>A writer registers the record class's schema under the subject {@code <topic>-value} (group
 * {@code default}) on first use, unless {@code apicurio.registry.auto-register=false}; the registry
 * checks each new version against the artifact's compatibility rule (see
 * {@link SchemaRegistration}) and refuses an incompatible one, and the write fails with its reason.
 * A reader fetches the writer schema by id (cached) and resolves it against its compiled class.
 *
 * <p>Any {@code apicurio.registry.*} entry of the client's configuration reaches the serdes (URL,
 * credentials, TLS); the wire-format settings (4-byte content id in the payload, no headers, one
 * self-contained schema per subject) are fixed, since other clients rely on them.
 */
final class RegistrySerde<T extends SpecificRecord> implements AutoCloseable {

    private final Class<T> type;
    private final AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
    private final AvroKafkaDeserializer<T> deserializer = new AvroKafkaDeserializer<>();

    RegistrySerde(Class<T> type, Map<String, ?> clientConfig, boolean isKey) {
        this.type = type;
        Map<String, Object> config = new HashMap<>();
        // registration defaults the client may override
        config.put(SchemaResolverConfig.AUTO_REGISTER_ARTIFACT, true);
        config.put(SchemaResolverConfig.AUTO_REGISTER_ARTIFACT_IF_EXISTS, "FIND_OR_CREATE_VERSION");
        config.put(SchemaResolverConfig.HTTP_ADAPTER, "JDK");
        config.putAll(clientConfig);
        // the wire format others read: fixed
        config.put(SerdeConfig.ID_HANDLER, Default4ByteIdHandler.class.getName());
        config.put(SerdeConfig.USE_ID, IdOption.contentId.name());
        config.put(KafkaSerdeConfig.ENABLE_HEADERS, false);
        config.put(AvroSerdeConfig.AVRO_ENCODING, AvroSerdeConfig.AVRO_ENCODING_BINARY);
        // one self-contained schema per subject, as Confluent clients expect (by default Apicurio
        // registers each nested record and enum as an artifact of its own, referenced)
        config.put(SchemaResolverConfig.DEREFERENCE_SCHEMA, true);
        config.put(AvroSerdeConfig.AVRO_DATUM_PROVIDER, CompiledSchemaDatumProvider.class.getName());
        config.put(CompiledSchemaDatumProvider.RECORD_CLASS, type);
        serializer.configure(config, isKey);
        deserializer.configure(config, isKey);
    }

    byte[] serialize(String topic, T data) {
        try {
            return serializer.serialize(topic, data);
        } catch (RuntimeException e) {
            throw new SerializationException("topic " + topic + ": the schema registry did not take a " + type.getSimpleName()
                    + " (" + Problems.describe(e) + ")", e);
        }
    }

    T deserialize(String topic, byte[] data) {
        try {
            return type.cast(deserializer.deserialize(topic, data));
        } catch (RuntimeException e) {
            throw new SerializationException("topic " + topic + ": not a readable " + type.getSimpleName() + " with schema id "
                    + RecordSerde.schemaId(data) + " (" + Problems.describe(e) + ")", e);
        }
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
