package io.ftvalidator.coordinator;

import io.ftvalidator.schemas.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Creates the cluster's topics when they are missing (local clusters, first start), with the
 * partitions and retention of docs/topics.md (render jobs: one partition, shared by every worker). Where operators declare the topics themselves, this
 * is switched off ({@code ftval.topics.create=false}).
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

    @ConfigProperty(name = "ftval.topics.replication", defaultValue = "1")
    short replication;

    /** How long rendered images are kept (the web view's store keeps them as long). */
    @ConfigProperty(name = "ftval.renders.retention", defaultValue = "P3D")
    Duration renderRetention;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /** Before the other start-up observers: Kafka Streams then finds its topics at its first look instead of a second later. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) throws InterruptedException, ExecutionException {
        if (!create) {
            return;
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            Map<String, String> week = Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(7L * 24 * 3600 * 1000));
            for (NewTopic t : List.of(
                    new NewTopic(Topics.VALIDATION_REQUESTS.name(), partitions, replication).configs(week),
                    new NewTopic(Topics.RENDER_JOBS.name(), jobPartitions, replication).configs(week),
                    new NewTopic(Topics.IMAGE_SCORES.name(), partitions, replication).configs(week),
                    new NewTopic(Topics.VALIDATION_DECISIONS.name(), partitions, replication)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                    new NewTopic(Topics.RENDERS.name(), partitions, replication)
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(renderRetention.toMillis()))),
                    new NewTopic(Topics.DEAD_LETTERS.name(), 1, replication)
                            .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(30L * 24 * 3600 * 1000))))) {
                if (!existing.contains(t.name())) {
                    missing.add(t);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
                LOG.infof("created topics %s with %d partitions", missing.stream().map(NewTopic::name).toList(), partitions);
            }
        }
    }
}
