package io.ftvalidator.coordinator.topology;

import io.ftvalidator.coordinator.fanout.PromptPool;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the topology from configuration; Quarkus runs it. */
@ApplicationScoped
public class TopologyProducer {

    @ConfigProperty(name = "ftval.max-attempts", defaultValue = "3")
    int maxAttempts;

    @ConfigProperty(name = "ftval.deadline-scan", defaultValue = "1s")
    Duration deadlineScan;

    @ConfigProperty(name = "ftval.retention", defaultValue = "P7D")
    Duration retention;

    @Produces
    public Topology topology(MeterRegistry metrics, PromptPool pool) {
        return ValidationTopology.build(new ValidationTopology.Settings(pool.prompts(), maxAttempts, deadlineScan, retention), metrics);
    }
}
