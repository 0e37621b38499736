package io.ftvalidator.coordinator.deadletter;

import io.ftvalidator.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.jboss.logging.Logger;

/**
 * A record the aggregation cannot read (a poison message) goes, as it came, to the dead-letter
 * topic with the reason and its origin in headers; processing goes on. Kafka Streams makes one
 * handler per task; they share one producer per process, closed when the JVM stops.
 */
public class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = Logger.getLogger(DeadLetterDeserializationHandler.class);

    private static KafkaProducer<byte[], byte[]> shared;

    private KafkaProducer<byte[], byte[]> producer;

    @Override
    public void configure(Map<String, ?> configs) {
        producer = producer(configs);
    }

    private static synchronized KafkaProducer<byte[], byte[]> producer(Map<String, ?> configs) {
        if (shared != null) {
            return shared;
        }
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, configs.get("bootstrap.servers"));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, configs.get("producer." + ProducerConfig.COMPRESSION_TYPE_CONFIG) instanceof String c ? c : "zstd");
        configs.entrySet().stream()
                .filter(e -> e.getKey().startsWith("security.") || e.getKey().startsWith("sasl.") || e.getKey().startsWith("ssl."))
                .forEach(e -> props.put(e.getKey(), e.getValue()));
        KafkaProducer<byte[], byte[]> created = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        Runtime.getRuntime().addShutdownHook(new Thread(created::close, "dead-letter-producer-close"));
        shared = created;
        return created;
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String reason = String.valueOf(exception.getMessage());
        LOG.warnf("poison record %s-%d@%d sent to %s: %s", record.topic(), record.partition(), record.offset(),
                Topics.DEAD_LETTERS.name(), reason);
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, record.key(), record.value(), record.headers());
        out.headers().add(DeadLetters.REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
        out.headers().add(DeadLetters.SOURCE_HEADER,
                (record.topic() + "-" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
        producer.send(out);
        DeadLetters.count(DeadLetters.Reason.UNDESERIALIZABLE);
        return DeserializationHandlerResponse.CONTINUE;
    }
}
