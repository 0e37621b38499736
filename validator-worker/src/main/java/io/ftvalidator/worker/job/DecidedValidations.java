package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The validations decided lately, read from the decisions topic (keyed by validation id), so that
 * a slot skips the jobs of a validation the coordinator already decided early (docs/accuracy.md,
 * "Early verdicts"): such a job's score would be dropped anyway. No consumer group: every worker
 * reads every partition, from {@link #LOOKBACK} before it started on, and keeps at most
 * {@link #CAPACITY} ids (the oldest go first). A worker that cannot read the topic only renders
 * what it could have skipped.
 */
final class DecidedValidations implements Runnable, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DecidedValidations.class);
    /** How far back a starting worker reads decisions: longer than a validation's jobs wait. */
    static final Duration LOOKBACK = Duration.ofHours(1);
    static final int CAPACITY = 100_000;

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Boolean> decided = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > CAPACITY;
        }
    };
    private volatile boolean running = true;

    /** @param clientConfig the cluster's client settings (servers, TLS, SASL), without a group */
    DecidedValidations(Map<String, Object> clientConfig) {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Whether the validation was decided (as far as this worker has read). */
    boolean isDecided(String validationId) {
        synchronized (decided) {
            return decided.containsKey(validationId);
        }
    }

    @Override
    public void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            while (running && partitions.isEmpty()) { // the coordinator may not have made the topic yet
                for (PartitionInfo p : consumer.partitionsFor(Topics.VALIDATION_DECISIONS.name(), Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(p.topic(), p.partition()));
                }
                if (partitions.isEmpty()) {
                    Thread.sleep(2_000);
                }
            }
            consumer.assign(partitions);
            Map<TopicPartition, Long> since = new HashMap<>();
            partitions.forEach(p -> since.put(p, System.currentTimeMillis() - LOOKBACK.toMillis()));
            consumer.offsetsForTimes(since).forEach((p, at) -> {
                if (at == null) {
                    consumer.seekToEnd(List.of(p));
                } else {
                    consumer.seek(p, at.offset());
                }
            });
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    if (r.key() != null) {
                        synchronized (decided) {
                            decided.put(r.key(), Boolean.TRUE);
                        }
                    }
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (KafkaException e) {
            LOG.warnf("decisions cannot be read (%s): jobs of validations decided early are rendered anyway", e.getMessage());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
