package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.Topics;
import io.ftvalidator.worker.WorkerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.jboss.logging.Logger;

/**
 * The workers' share group and the group configuration jobs depend on (Kafka 4.4 group configs,
 * KIP-932 and KIP-1240): start at the earliest job (the default, latest, would skip jobs published
 * before the first worker asked), how often a job is delivered before it is given up, and how long
 * a delivered job stays locked without renewal. Set at every worker's start (idempotent) unless
 * operators manage the group; read back either way, since the workers act on them.
 */
record ShareGroup(String id, int deliveryLimit, Duration lockDuration) {

    private static final Logger LOG = Logger.getLogger(ShareGroup.class);

    static final String AUTO_OFFSET_RESET = "share.auto.offset.reset";
    static final String DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
    static final String LOCK_DURATION_MS = "share.record.lock.duration.ms";

    /** Applies the configured group settings (when asked to), then reads back the ones in force. */
    static ShareGroup prepare(Admin admin, WorkerConfig.Jobs jobs) throws InterruptedException {
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, jobs.group());
        Map<String, String> wanted = Map.of(
                AUTO_OFFSET_RESET, "earliest",
                DELIVERY_COUNT_LIMIT, Integer.toString(jobs.deliveryLimit()),
                LOCK_DURATION_MS, Long.toString(jobs.lockDuration().toMillis()));
        try {
            if (jobs.configureGroup()) {
                List<AlterConfigOp> ops = new ArrayList<>();
                wanted.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
                admin.incrementalAlterConfigs(Map.of(group, ops)).all().get(30, TimeUnit.SECONDS);
            }
            // group configurations reach the broker's cache a moment after the change is accepted
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            Config config = describe(admin, group);
            while (jobs.configureGroup() && !shows(config, wanted) && System.nanoTime() < until) {
                TimeUnit.MILLISECONDS.sleep(200);
                config = describe(admin, group);
            }
            if (!"earliest".equals(value(config, AUTO_OFFSET_RESET, "latest"))) {
                LOG.warnf("share group %s starts at the latest job (%s=%s): jobs published before a worker first asked are skipped",
                        jobs.group(), AUTO_OFFSET_RESET, value(config, AUTO_OFFSET_RESET, "latest"));
            }
            ShareGroup settings = new ShareGroup(jobs.group(),
                    Integer.parseInt(value(config, DELIVERY_COUNT_LIMIT, "5")),
                    Duration.ofMillis(Long.parseLong(value(config, LOCK_DURATION_MS, "30000"))));
            LOG.infof("share group %s: a job is delivered at most %d times, locked for %d s between renewals",
                    settings.id(), settings.deliveryLimit(), settings.lockDuration().toSeconds());
            return settings;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("the configuration of share group " + jobs.group() + " could not be "
                    + (jobs.configureGroup() ? "set" : "read") + ": " + cause.getMessage()
                    + " (the broker bounds share.delivery.count.limit and share.record.lock.duration.ms:"
                    + " group.share.min/max.delivery.count.limit, group.share.min/max.record.lock.duration.ms)", cause);
        }
    }

    /**
     * Warns when the jobs topic has more than one partition: a share group shares a partition
     * among members only while there are fewer partitions than members; otherwise each partition
     * has one member, and its jobs wait for that worker however many others are free.
     */
    static void checkPartitions(Admin admin) throws InterruptedException {
        String topic = Topics.RENDER_JOBS.name();
        try {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
            if (partitions > 1) {
                LOG.warnf("%s has %d partitions: while the workers' slots are no more than that, each partition goes to one"
                        + " worker and its jobs wait for it; give the topic 1 partition (docs/topics.md)", topic, partitions);
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.infof("%s could not be described yet (%s)", topic, e.getMessage());
        }
    }

    private static Config describe(Admin admin, ConfigResource group)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        return admin.describeConfigs(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
    }

    private static boolean shows(Config config, Map<String, String> wanted) {
        return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(value(config, e.getKey(), null)));
    }

    private static String value(Config config, String name, String fallback) {
        ConfigEntry entry = config == null ? null : config.get(name);
        return entry == null || entry.value() == null ? fallback : entry.value();
    }
}
