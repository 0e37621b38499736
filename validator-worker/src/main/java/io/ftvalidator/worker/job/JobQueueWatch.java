package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.Topics;
import io.ftvalidator.worker.WorkerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Watches the cluster from the worker every {@link #EVERY}: whether the brokers answer (readiness:
 * a worker that cannot reach Kafka takes no job), and the share group's lag on the render-jobs
 * topic, the jobs not yet finished ({@code ftval.worker.share.group.lag}; every worker reports the
 * group's figure: take the max over workers).
 */
@Readiness
@ApplicationScoped
public class JobQueueWatch implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(JobQueueWatch.class);
    static final Duration EVERY = Duration.ofSeconds(10);

    private final WorkerConfig config;
    private final Map<String, Object> kafka;
    private final MeterRegistry registry;
    private ScheduledExecutorService timer;
    private Admin admin;
    private volatile long lag = -1;
    private volatile long reachedAtNanos;
    private volatile String lastError = "not checked yet";

    JobQueueWatch(WorkerConfig config, MeterRegistry registry, @Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.config = config;
        this.registry = registry;
        this.kafka = kafka;
    }

    void start(@Observes StartupEvent event) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(AdminClientConfig.CLIENT_ID_CONFIG, config.id().orElse("worker") + "-watch");
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) EVERY.toMillis() / 2);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) EVERY.toMillis());
        admin = Admin.create(c);
        Gauge.builder("ftval.worker.share.group.lag", this, w -> w.lag < 0 ? Double.NaN : w.lag)
                .description("render jobs of the share group not yet finished (all workers', as the broker counts them)")
                .register(registry);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kafka-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
            admin.close(Duration.ofSeconds(5));
        }
    }

    private void check() {
        try {
            admin.describeCluster().clusterId().get(EVERY.toMillis(), TimeUnit.MILLISECONDS);
            reachedAtNanos = System.nanoTime();
            lastError = null;
        } catch (Exception e) {
            lastError = e.getCause() != null ? e.getCause().toString() : e.toString();
            LOG.warnf("Kafka did not answer: %s", lastError);
            return;
        }
        try {
            Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin.listShareGroupOffsets(
                    Map.of(config.jobs().group(), new ListShareGroupOffsetsSpec()))
                    .partitionsToOffsetInfo(config.jobs().group()).get(EVERY.toMillis(), TimeUnit.MILLISECONDS);
            lag = offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(Topics.RENDER_JOBS.name()))
                    .map(e -> Optional.ofNullable(e.getValue()).flatMap(SharePartitionOffsetInfo::lag).orElse(0L))
                    .mapToLong(Long::longValue).sum();
        } catch (Exception e) {
            LOG.debugf("share group lag unknown: %s", e.toString());
        }
    }

    @Override
    public HealthCheckResponse call() {
        boolean up = lastError == null && System.nanoTime() - reachedAtNanos < 3 * EVERY.toNanos();
        return HealthCheckResponse.named("kafka").status(up)
                .withData("share-group", config.jobs().group())
                .withData("jobs-lag", lag)
                .withData("error", lastError == null ? "none" : lastError)
                .build();
    }
}
