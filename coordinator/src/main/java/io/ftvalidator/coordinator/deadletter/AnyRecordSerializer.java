package io.ftvalidator.coordinator.deadletter;

import io.ftvalidator.schemas.SingleObjectSerde;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/** Writes any of our records to the dead-letter topic in its own single-object encoding. */
public final class AnyRecordSerializer implements Serializer<SpecificRecord> {

    private final Map<Class<?>, SingleObjectSerde<SpecificRecord>> serdes = new ConcurrentHashMap<>();

    @Override
    public byte[] serialize(String topic, SpecificRecord data) {
        return serialize(topic, null, data);
    }

    @Override
    @SuppressWarnings("unchecked")
    public byte[] serialize(String topic, Headers headers, SpecificRecord data) {
        if (data == null) {
            return null;
        }
        SingleObjectSerde<SpecificRecord> serde = serdes.computeIfAbsent(
                data.getClass(), c -> new SingleObjectSerde<>((Class<SpecificRecord>) c));
        return serde.serialize(topic, headers, data);
    }
}
