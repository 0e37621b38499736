package io.ftvalidator.worker.health;

import io.ftvalidator.worker.job.JobConsumers;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Alive while every render slot's share-group member thread runs: a dead one takes no job again, so restart the worker. */
@Liveness
@ApplicationScoped
public class WorkerLiveness implements HealthCheck {

    private final JobConsumers consumers;

    WorkerLiveness(@Readiness JobConsumers consumers) {
        this.consumers = consumers;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("render-slots").status(consumers.alive()).build();
    }
}
