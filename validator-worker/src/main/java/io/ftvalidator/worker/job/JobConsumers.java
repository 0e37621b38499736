package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.ftvalidator.worker.WorkerConfig;
import io.ftvalidator.worker.fetch.FetchPolicy;
import io.ftvalidator.worker.fetch.ModelFetcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Starts one share-group member per render slot once the worker is up (the group configured
 * first), and stops them on shutdown, releasing what they hold. Ready while every slot's member
 * runs.
 */
@Readiness
@ApplicationScoped
public class JobConsumers implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(JobConsumers.class);

    private final WorkerConfig config;
    private final Trust trust;
    private final RenderSlots slots;
    private final MeterRegistry registry;
    private final Map<String, Object> kafka;
    private final Tracing tracing;
    private final List<JobConsumer> members = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private Publisher publisher;
    private DecidedValidations decided;
    private Thread decidedReader;
    private volatile boolean stopping;

    JobConsumers(WorkerConfig config, RenderSlots slots, MeterRegistry registry,
            @Identifier("default-kafka-broker") Map<String, Object> kafka, Trust trust, OpenTelemetry otel) {
        this.tracing = new Tracing(otel);
        this.config = config;
        this.trust = trust;
        this.slots = slots;
        this.registry = registry;
        this.kafka = kafka;
    }

    void start(@Observes StartupEvent event) throws InterruptedException {
        String workerId = Trust.truncate(config.id().orElseGet(JobConsumers::hostName));
        ShareGroup group;
        try (Admin admin = Admin.create(clientConfig(workerId + "-admin"))) {
            group = ShareGroup.prepare(admin, config.jobs());
            ShareGroup.checkPartitions(admin);
        }
        publisher = new Publisher(clientConfig(workerId + "-producer"), registry, tracing);
        JobMeters meters = new JobMeters(registry, slots.device());
        WorkerConfig.Fetch f = config.fetch();
        FetchPolicy policy = new FetchPolicy(f.allowHttp(), f.allowFile(), f.hosts().orElse(List.of()),
                f.allowedNetworks().orElse(List.of()), f.maxSubmissionBytes(), f.maxBaseBytes(), config.fetchTimeout(),
                f.maxRedirects(), f.cacheBytes());
        JobRenderer renderer = new JobRenderer(workerId, slots.device(), new ModelFetcher(policy, config.cacheDir().resolve("downloads"), registry),
                trust.bases(), trust.allowBundles(), previewSide(config.renders()), meters, tracing);
        TestHooks hooks = new TestHooks(config.test());
        decided = new DecidedValidations(clientConfig(workerId + "-decisions"));
        decidedReader = new Thread(decided, "decided-validations");
        decidedReader.setDaemon(true);
        decidedReader.start();
        for (RenderSlots.Slot slot : slots.slots()) {
            Map<String, Object> c = clientConfig(workerId + "-slot-" + slot.index());
            c.put(ConsumerConfig.GROUP_ID_CONFIG, group.id());
            c.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
            // one job at a time, fetched only when asked: a free slot takes exactly one job
            c.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
            c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
            JobConsumer member = new JobConsumer(slot, new KafkaShareConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                    Topics.RENDER_JOBS.valueSerde(kafka).deserializer(), publisher, renderer, hooks, decided, meters, group, config.jobs(),
                    workerId, slots.device(), tracing);
            Thread thread = new Thread(member, "jobs-slot-" + slot.index());
            members.add(member);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        LOG.infof("worker %s takes render jobs from share group %s on %d slot(s)", workerId, group.id(), members.size());
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopping = true;
        members.forEach(JobConsumer::stop);
        for (Thread t : threads) {
            t.join(30_000);
        }
        if (publisher != null) {
            publisher.close();
        }
        if (decided != null) {
            decided.close();
            decidedReader.join(10_000);
        }
    }

    /** Whether every slot's member thread is alive (before start and after stop: true). */
    public boolean alive() {
        return stopping || threads.stream().allMatch(Thread::isAlive);
    }

    @Override
    public HealthCheckResponse call() {
        long running = members.stream().filter(JobConsumer::running).count();
        return HealthCheckResponse.named("render-jobs").status(!members.isEmpty() && running == members.size())
                .withData("slots", members.size()).withData("taking-jobs", running).build();
    }

    /** The longest side of the images published for the web view, or none when publishing is off. */
    static OptionalInt previewSide(WorkerConfig.Renders renders) {
        if (!renders.publish()) {
            return OptionalInt.empty();
        }
        if (renders.maxSide() < 16 || renders.maxSide() > 512) {
            throw new IllegalArgumentException("ftval.worker.renders.max-side must be 16 to 512 pixels, not " + renders.maxSide()
                    + " (a larger PNG may exceed Avro's 1 MiB bound on a byte field)");
        }
        return OptionalInt.of(renders.maxSide());
    }

    /** The cluster's client settings ({@code kafka.*}: servers, TLS, SASL) with this client's id. */
    private Map<String, Object> clientConfig(String clientId) {
        Map<String, Object> c = new HashMap<>(kafka);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return c;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        } catch (UnknownHostException e) {
            return "worker-" + ProcessHandle.current().pid();
        }
    }
}
