package io.ftvalidator.coordinator.topology;

import io.ftvalidator.coordinator.intake.AdmissionConfig;
import io.ftvalidator.coordinator.intake.Calibrations;
import io.ftvalidator.schemas.Tracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the topology from configuration; Quarkus runs it. */
@ApplicationScoped
public class TopologyProducer {

    @ConfigProperty(name = "ftval.deadline-scan", defaultValue = "1s")
    Duration deadlineScan;

    @ConfigProperty(name = "ftval.retention", defaultValue = "P7D")
    Duration retention;

    /** Also the retention of topic ftval.renders (TopicsBootstrap). */
    @ConfigProperty(name = "ftval.renders.retention", defaultValue = "P3D")
    Duration renderRetention;

    @ConfigProperty(name = "ftval.jobs.resend-at", defaultValue = "0.5")
    double resendAt;

    /** Every {@code kafka.*} property (Quarkus's Kafka client configuration): the record encoding among them. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    Calibrations calibrations;

    /** Decide a validation once its verdict cannot change (docs/accuracy.md), the workers skipping its other jobs. */
    @ConfigProperty(name = "ftval.early-verdicts", defaultValue = "true")
    boolean earlyVerdicts;

    @Produces
    public Topology topology(MeterRegistry metrics, AdmissionConfig admission, OpenTelemetry otel) {
        return ValidationTopology.build(new ValidationTopology.Settings(admission.get(), deadlineScan, retention, resendAt, renderRetention,
                calibrations, earlyVerdicts), metrics, kafkaConfig, new Tracing(otel));
    }
}
