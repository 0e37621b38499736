package io.ftvalidator.coordinator.topology;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the topology runs: Quarkus' own readiness check only waits for the topics, and
 * Kafka Streams starts a moment later, until which the store cannot be queried. A rebalance
 * (another coordinator joining) keeps it ready: the store answers again right after.
 */
@Readiness
@ApplicationScoped
public class TopologyReadiness implements HealthCheck {

    @Inject
    KafkaStreams streams;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        boolean up = state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
        return HealthCheckResponse.named("validation topology").status(up).withData("state", state.name()).build();
    }
}
