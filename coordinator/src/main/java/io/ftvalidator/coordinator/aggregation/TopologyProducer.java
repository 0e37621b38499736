package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.noise.Prompts;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the aggregation topology from configuration; Quarkus runs it. */
@ApplicationScoped
public class TopologyProducer {

    @ConfigProperty(name = "ftval.prompt-pool")
    Optional<Path> promptPool;

    @ConfigProperty(name = "ftval.deadline-scan", defaultValue = "1s")
    Duration deadlineScan;

    @ConfigProperty(name = "ftval.retention", defaultValue = "P7D")
    Duration retention;

    /** Every {@code kafka.*} property (Quarkus's Kafka client configuration): the record encoding among them. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Produces
    public Topology topology(MeterRegistry metrics) {
        return ValidationTopology.build(new ValidationTopology.Settings(defaultPool(), deadlineScan, retention), metrics,
                kafkaConfig);
    }

    private List<String> defaultPool;

    /** The coordinator's own prompt pool, one prompt per line, read once; empty when none is configured. */
    public synchronized List<String> defaultPool() {
        if (defaultPool == null) {
            try {
                defaultPool = promptPool.isEmpty() ? List.of() : Prompts.read(promptPool.get());
            } catch (IOException e) {
                throw new UncheckedIOException("ftval.prompt-pool " + promptPool.get() + " cannot be read", e);
            }
        }
        return defaultPool;
    }
}
