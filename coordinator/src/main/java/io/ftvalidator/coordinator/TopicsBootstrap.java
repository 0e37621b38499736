package io.ftvalidator.coordinator;

import io.ftvalidator.schemas.Topics;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates the cluster's topics when they are missing (local clusters, first start), with the
 * partitions and retention of docs/topics.md (render jobs: one partition, shared by every worker),
 * the configured replication and {@code min.insync.replicas}, through an admin client that takes the
 * cluster's TLS and SASL settings like every other client. Where operators declare the topics
 * themselves, this is switched off ({@code ftval.topics.create=false}).
 */
@ApplicationScoped
public class TopicsBootstrap {

    private static final Logger LOG = Logger.getLogger(TopicsBootstrap.class);

    @ConfigProperty(name = "ftval.topics.create", defaultValue = "true")
    boolean create;

    @ConfigProperty(name = "ftval.topics.partitions", defaultValue = "12")
    int partitions;

    /**
     * Render jobs' partitions: 1. A share group gives a partition to several members only while it
     * has fewer partitions than members; with more, each partition has one member and its jobs
     * wait for that worker however many others are free (docs/topics.md).
     */
    @ConfigProperty(name = "ftval.topics.job-partitions", defaultValue = "1")
    int jobPartitions;

    /** Replicas of every topic: 3 for a production cluster (a local one runs 1). */
    @ConfigProperty(name = "ftval.topics.replication", defaultValue = "3")
    short replication;

    /** How long rendered images are kept (the web view's store keeps them as long). */
    @ConfigProperty(name = "ftval.renders.retention", defaultValue = "P3D")
    Duration renderRetention;

    /** Replicas that must have a write (acks=all) before it counts: 2 of 3, so one broker down loses nothing and stops nothing. */
    @ConfigProperty(name = "ftval.topics.min-insync-replicas", defaultValue = "2")
    int minInsync;

    /** Every {@code kafka.*} property: servers, TLS and SASL among them. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    /** Before the other start-up observers: Kafka Streams then finds its topics at its first look instead of a second later. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) throws InterruptedException, ExecutionException {
        if (!create) {
            return;
        }
        try (Admin admin = Admin.create(adminConfig(kafkaConfig))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            String isr = Integer.toString(minInsync);
            Map<String, String> week = Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(7L * 24 * 3600 * 1000),
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, isr);
            for (NewTopic t : List.of(
                    new NewTopic(Topics.VALIDATION_REQUESTS.name(), partitions, replication).configs(week),
                    new NewTopic(Topics.RENDER_JOBS.name(), jobPartitions, replication).configs(week),
                    new NewTopic(Topics.IMAGE_SCORES.name(), partitions, replication).configs(week),
                    new NewTopic(Topics.VALIDATION_DECISIONS.name(), partitions, replication)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, isr)),
                    new NewTopic(Topics.RENDERS.name(), partitions, replication)
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(renderRetention.toMillis()),
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, isr)),
                    new NewTopic(Topics.DEAD_LETTERS.name(), 1, replication)
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(30L * 24 * 3600 * 1000),
                                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, isr)))) {
                if (!existing.contains(t.name())) {
                    missing.add(t);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
                LOG.infof("created topics %s with %d partitions, %d replicas, min.insync.replicas %d",
                        missing.stream().map(NewTopic::name).toList(), partitions, replication, minInsync);
            }
        }
    }

    /**
     * The admin client's configuration: every admin setting among the service's {@code kafka.*}
     * ones (servers, {@code security.protocol}, {@code sasl.*}, {@code ssl.*}, client DNS lookup,
     * timeouts), so that a TLS or SASL cluster is reached as the other clients reach it.
     */
    static Map<String, Object> adminConfig(Map<String, Object> kafka) {
        Map<String, Object> out = new HashMap<>();
        Set<String> known = AdminClientConfig.configNames();
        kafka.forEach((k, v) -> {
            if (known.contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.")) {
                out.put(k, v);
            }
        });
        out.put(AdminClientConfig.CLIENT_ID_CONFIG, "ftval-coordinator-topics");
        return out;
    }
}
