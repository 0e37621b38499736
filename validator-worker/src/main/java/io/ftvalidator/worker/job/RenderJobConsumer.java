package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.worker.fetch.ModelFetcher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * A member of the workers' consumer group: takes render jobs, renders them on a free slot, and
 * publishes the score keyed by validation. The job's offset is committed once its score is
 * written, so a worker that dies mid-job leaves the job to another one. A job past its
 * validation's deadline is dropped unrendered: its validation is already decided.
 */
@ApplicationScoped
public class RenderJobConsumer {

    private static final Logger LOG = Logger.getLogger(RenderJobConsumer.class);

    private final RenderSlots slots;
    private final JobRenderer renderer;
    private final MeterRegistry metrics;
    private final Emitter<ImageScore> scores;

    RenderJobConsumer(
            RenderSlots slots,
            MeterRegistry metrics,
            @Channel("image-scores") Emitter<ImageScore> scores,
            @ConfigProperty(name = "ftval.worker.id") Optional<String> workerId,
            @ConfigProperty(name = "ftval.worker.cache-dir") Path cacheDir,
            @ConfigProperty(name = "ftval.worker.fetch-timeout", defaultValue = "PT10M") Duration fetchTimeout) {
        this.slots = slots;
        this.metrics = metrics;
        this.scores = scores;
        this.renderer = new JobRenderer(workerId.orElseGet(RenderJobConsumer::hostName), slots.device(),
                new ModelFetcher(cacheDir.resolve("downloads"), fetchTimeout));
    }

    @Incoming("render-jobs")
    @Blocking(value = "renders", ordered = false)
    public CompletionStage<Void> render(Message<RenderJob> message) throws InterruptedException {
        RenderJob job = message.getPayload();
        MDC.put("validationId", job.getValidationId());
        try {
            if (System.currentTimeMillis() > job.getDeadlineMillis()) {
                metrics.counter("ftval.worker.jobs", "outcome", "past-deadline").increment();
                LOG.infof("image %d skipped: the validation's deadline has passed", job.getImageIndex());
                return message.ack();
            }
            Timer.Sample sample = Timer.start(metrics);
            ImageScore score = slots.withSlot(cache -> renderer.render(job, cache));
            sample.stop(metrics.timer("ftval.worker.job.duration"));
            long errors = score.getResults().stream().filter(r -> r.getError() != null).count();
            metrics.counter("ftval.worker.jobs", "outcome", errors == 0 ? "rendered" : "with-errors").increment();
            LOG.infof("image %d rendered for %d submissions in %d ms%s", job.getImageIndex(),
                    score.getResults().size(), score.getFinishedAtMillis() - score.getStartedAtMillis(),
                    errors == 0 ? "" : ", " + errors + " failed");
            // the job's offset is acknowledged once the broker has the score
            CompletableFuture<Void> written = new CompletableFuture<>();
            scores.send(Message.of(score)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(job.getValidationId()).build())
                    .withAck(() -> {
                        written.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(failure -> {
                        written.completeExceptionally(failure);
                        return CompletableFuture.completedFuture(null);
                    }));
            return written.thenCompose(done -> message.ack());
        } finally {
            MDC.remove("validationId");
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
        } catch (UnknownHostException e) {
            return "worker-" + ProcessHandle.current().pid();
        }
    }
}
