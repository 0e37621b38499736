package io.ftvalidator.worker.job;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.hash.HashAlgorithm;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.engine.render.RenderSettings;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.engine.render.Renderer;
import io.ftvalidator.engine.render.Sampler;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderError;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.worker.fetch.ModelFetcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Renders one job: the job's image from every submission, on this worker's device, hashed. A
 * submission that fails is a result with an error, never an exception: the score always goes out.
 */
public final class JobRenderer {

    private static final Logger LOG = Logger.getLogger(JobRenderer.class);

    private final String workerId;
    private final DeviceInfo device;
    private final ModelFetcher fetcher;

    public JobRenderer(String workerId, DeviceInfo device, ModelFetcher fetcher) {
        this.workerId = workerId;
        this.device = device;
        this.fetcher = fetcher;
    }

    public ImageScore render(RenderJob job, ModelCache models) {
        long started = System.currentTimeMillis();
        List<SubmissionResult> results = new ArrayList<>();
        for (SubmissionSpec submission : job.getSubmissions()) {
            results.add(renderOne(job, submission, models));
        }
        return ImageScore.newBuilder()
                .setValidationId(job.getValidationId())
                .setImageIndex(job.getImageIndex())
                .setAttempt(job.getAttempt())
                .setWorkerId(workerId)
                .setDevice(device)
                .setResults(results)
                .setStartedAtMillis(started)
                .setFinishedAtMillis(System.currentTimeMillis())
                .build();
    }

    private SubmissionResult renderOne(RenderJob job, SubmissionSpec submission, ModelCache models) {
        long start = System.nanoTime();
        try {
            ModelRef model = fetcher.fetch(submission.getModelUri(), submission.getSha256());
            Optional<ModelRef> base = submission.getBaseModelUri() == null
                    ? Optional.empty()
                    : Optional.of(fetcher.fetch(submission.getBaseModelUri(), submission.getBaseSha256()));
            RenderedImage image;
            try (ModelCache.Prepared prepared = models.prepare(model, base); LoadedModel.Session session = prepared.open()) {
                image = Renderer.render(session, new ImageSpec(job.getSeed(), job.getImageIndex(), job.getPrompt(), settings(job)));
            }
            long hash = PerceptualHash.hashRgb(algorithm(job), image.rgb(), image.width(), image.height());
            long millis = (System.nanoTime() - start) / 1_000_000;
            LOG.debugf("image %d of %s rendered in %d ms", (Integer) job.getImageIndex(), submission.getId(), (Long) millis);
            return new SubmissionResult(submission.getId(), hash, millis, null);
        } catch (EngineException e) {
            LOG.warnf("image %d of %s failed: %s: %s", job.getImageIndex(), submission.getId(),
                    e.kind(), e.getMessage());
            return failure(submission, e.kind().name(), e.getMessage(), Blame.submissionFault(e), start);
        } catch (RuntimeException | OutOfMemoryError e) {
            // a bug or the JVM's own trouble: not the submission's fault, another attempt may succeed
            LOG.errorf(e, "image %d of %s failed unexpectedly", job.getImageIndex(), submission.getId());
            String kind = e instanceof OutOfMemoryError ? Kind.OUT_OF_MEMORY.name() : "WORKER_ERROR";
            return failure(submission, kind, String.valueOf(e.getMessage()), false, start);
        }
    }

    private static SubmissionResult failure(SubmissionSpec submission, String kind, String message, boolean fault, long start) {
        return new SubmissionResult(submission.getId(), null, (System.nanoTime() - start) / 1_000_000, new RenderError(kind, message, fault));
    }

    private static RenderSettings settings(RenderJob job) {
        var s = job.getSettings();
        return new RenderSettings(Sampler.parse(s.getSampler()), s.getSteps(), s.getGuidance(), s.getWidth(), s.getHeight(), s.getNegativePrompt());
    }

    private static HashAlgorithm algorithm(RenderJob job) {
        return HashAlgorithm.fromCliName(job.getHashAlgorithm().name());
    }
}
