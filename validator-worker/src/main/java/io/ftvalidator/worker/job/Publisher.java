package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.ImageRender;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.Tracing;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.jboss.logging.Logger;

/**
 * Writes what the worker's slots produce: image scores, rendered images and dead letters, through one idempotent
 * producer that waits for every in-sync replica (acks=all), shared by the slots (a producer is
 * thread-safe). A job is acknowledged only once its write is acknowledged.
 */
final class Publisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Publisher.class);

    private final KafkaProducer<byte[], byte[]> producer;
    /** Writes a score in the encoding of {@code ftval.serde} (single-object or the registry's). */
    private final Serializer<ImageScore> scores;
    private final Serializer<ImageRender> renders;
    private final Counter rendersSent;
    private final Counter rendersFailed;
    private final Tracing tracing;

    /** @param kafka the cluster's client settings ({@code kafka.*}, {@code ftval.serde}) and this client's id */
    Publisher(Map<String, Object> kafka, MeterRegistry registry, Tracing tracing) {
        this.tracing = tracing;
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        this.scores = Topics.IMAGE_SCORES.valueSerde(kafka).serializer();
        this.renders = Topics.RENDERS.valueSerde(kafka).serializer();
        this.rendersSent = rendersPublished(registry, "sent");
        this.rendersFailed = rendersPublished(registry, "failed");
    }

    private static Counter rendersPublished(MeterRegistry registry, String outcome) {
        return Counter.builder("ftval.worker.renders.published").tag("outcome", outcome)
                .description("rendered images published for the web view (topic ftval.renders), by outcome").register(registry);
    }

    /** The score, keyed by its validation (the coordinator's partitioning), with {@code trace} (the job's span) in its headers. */
    Future<RecordMetadata> score(ImageScore score, Context trace) {
        RecordHeaders headers = new RecordHeaders();
        tracing.inject(trace, headers);
        byte[] value;
        synchronized (scores) { // the slots share it; serializers are not promised to be thread-safe
            value = scores.serialize(Topics.IMAGE_SCORES.name(), headers, score);
        }
        byte[] key = score.getValidationId().getBytes(StandardCharsets.UTF_8);
        return producer.send(new ProducerRecord<>(Topics.IMAGE_SCORES.name(), null, key, value, headers));
    }

    /**
     * A rendered image, keyed by its validation; for people to look at, so it is not waited for:
     * one that cannot be written is logged, and its job goes on.
     */
    void render(ImageRender image) {
        try {
            RecordHeaders headers = new RecordHeaders();
            byte[] value;
            synchronized (renders) {
                value = renders.serialize(Topics.RENDERS.name(), headers, image);
            }
            byte[] key = image.getValidationId().getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(Topics.RENDERS.name(), null, key, value, headers), (metadata, e) -> {
                if (e == null) {
                    rendersSent.increment();
                } else {
                    notPublished(image, e);
                }
            });
        } catch (RuntimeException e) { // a registry that cannot be reached, a producer closing: never the job's trouble
            notPublished(image, e);
        }
    }

    private void notPublished(ImageRender image, Exception e) {
        rendersFailed.increment();
        LOG.warnf("validation %s: image %d of %s was not published to %s (%s); the web view shows it missing",
                image.getValidationId(), image.getImageIndex(), image.getSubmissionId(), Topics.RENDERS.name(), e.toString());
    }

    /** The record as it came (key, value, headers), with why it was given up. */
    Future<RecordMetadata> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            headers.add(h);
        }
        headers.add(Topics.DEAD_LETTER_REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.DEAD_LETTER_SOURCE, record.topic().getBytes(StandardCharsets.UTF_8));
        return producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, record.key(), record.value(), headers));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
