package io.ftvalidator.worker.job;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.RenderAndHash;
import io.ftvalidator.engine.RenderAndHash.Failed;
import io.ftvalidator.engine.RenderAndHash.Hashed;
import io.ftvalidator.engine.RenderAndHash.Images;
import io.ftvalidator.engine.RenderAndHash.Models;
import io.ftvalidator.engine.RenderAndHash.Outcome;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.engine.render.PromptEncodings;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.ImageRender;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderError;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.validation.Bases;
import io.ftvalidator.worker.fetch.ModelFetcher;
import io.ftvalidator.schemas.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.jboss.logging.Logger;

/**
 * Renders one job: the job's image from every submission, on this worker's device, hashed, with
 * the engine's {@link RenderAndHash} loop (the one the command line runs). A submission that fails
 * is a result with an error, never an exception: the score always goes out. With a preview side, the
 * images come out too, as PNGs no longer than that side, for people to look at (topic ftval.renders).
 */
public final class JobRenderer {

    private static final Logger LOG = Logger.getLogger(JobRenderer.class);

    private final String workerId;
    private final DeviceInfo device;
    private final ModelFetcher fetcher;
    private final Bases bases;
    private final boolean allowBundles;
    private final OptionalInt previewSide;
    private final JobMeters meters;
    private final Tracing tracing;

    /** A job's score and, when previews are on, the PNG of each image rendered (attempt 0 until the caller knows it). */
    public record Rendered(ImageScore score, List<ImageRender> images) {}

    /**
     * @param bases the operator's allow-list: the only bases fetched when bundles are not allowed
     * @param allowBundles whether a request may bring a whole bundle, or a base of its own
     * @param previewSide the longest side of the PNG kept of each image; empty: none kept
     */
    JobRenderer(String workerId, DeviceInfo device, ModelFetcher fetcher, Bases bases, boolean allowBundles, OptionalInt previewSide,
            JobMeters meters, Tracing tracing) {
        this.workerId = workerId;
        this.device = device;
        this.fetcher = fetcher;
        this.bases = bases;
        this.allowBundles = allowBundles;
        this.previewSide = previewSide;
        this.meters = meters;
        this.tracing = tracing;
    }

    /** Renders {@code job}; each submission's render is a span, child of {@code trace} (the job's). */
    public Rendered render(RenderJob job, ModelCache models, Context trace) {
        long started = System.currentTimeMillis();
        List<SubmissionResult> results = new ArrayList<>();
        List<ImageRender> pngs = new ArrayList<>();
        Images images;
        try {
            images = Images.one(job.getSeed(), job.getImageIndex(), job.getPrompt(), AvroMapping.toCore(job.getSettings()),
                    AvroMapping.toCore(job.getHashAlgorithm()));
        } catch (IllegalArgumentException e) {
            // the coordinator checks settings before it sends a job: this one did not come from it
            LOG.warnf("image %d: the job's settings are invalid: %s", job.getImageIndex(), e.getMessage());
            job.getSubmissions().forEach(s -> results.add(new SubmissionResult(s.getId(), null, 0L,
                    new RenderError(EngineException.Kind.BAD_INPUT.name(), PublicErrors.message(EngineException.Kind.BAD_INPUT.name()), true))));
            return new Rendered(score(job, results, started), List.of());
        }
        RenderAndHash.ImageListener keep = previewSide.isEmpty() ? RenderAndHash.ImageListener.NONE
                : (submissionId, index, image) -> pngs.add(preview(job, submissionId, image, previewSide.getAsInt()));
        // one image of every submission: those on one base encode its prompt once
        PromptEncodings encodings = new PromptEncodings(1);
        for (SubmissionSpec submission : job.getSubmissions()) {
            Span span = tracing.start("ftval.render", SpanKind.INTERNAL, trace, job.getValidationId());
            span.setAttribute(Tracing.IMAGE_INDEX, (long) job.getImageIndex());
            span.setAttribute("ftval.submission.id", submission.getId());
            try {
                Outcome outcome = RenderAndHash.render(models, submission.getId(), () -> locate(submission), images, encodings, keep);
                if (outcome instanceof Failed f) {
                    span.setStatus(StatusCode.ERROR, f.kind());
                }
                results.add(result(job, outcome));
            } finally {
                span.end();
            }
        }
        return new Rendered(score(job, results, started), pngs);
    }

    private ImageRender preview(RenderJob job, String submissionId, RenderedImage image, int maxSide) {
        return ImageRender.newBuilder()
                .setValidationId(job.getValidationId())
                .setImageIndex(job.getImageIndex())
                .setSubmissionId(submissionId)
                .setWorkerId(workerId)
                .setWidth(image.width())
                .setHeight(image.height())
                .setPng(ByteBuffer.wrap(image.fitWithin(maxSide).toPng()))
                .setRenderedAtMillis(System.currentTimeMillis())
                .build();
    }

    /**
     * The submission's model and base, fetched into the worker's cache and checked against their
     * digests. The base comes from the operator's allow-list, by digest; only where bundles are
     * allowed may a request bring a base of its own, or a whole bundle instead of LoRA weights.
     */
    private Models locate(SubmissionSpec s) {
        Optional<Bases.Base> listed = bases.byDigest(s.getBaseSha256());
        if (!allowBundles && listed.isEmpty()) {
            throw new EngineException(EngineException.Kind.NOT_ALLOWED, s.getBaseSha256() == null
                    ? "a whole bundle: only LoRA weights on a base of the allow-list are taken from a request"
                    : "base " + s.getBaseSha256() + " is not on the allow-list");
        }
        Optional<ModelRef> base = listed.isPresent() ? Optional.of(fetcher.base(listed.get()))
                : s.getBaseModelUri() == null ? Optional.empty()
                : Optional.of(fetcher.submission(s.getBaseModelUri(), s.getBaseSha256()));
        ModelRef model = fetcher.submission(s.getModelUri(), s.getSha256());
        if (!allowBundles && !ModelCache.isLora(model.path())) {
            throw new EngineException(EngineException.Kind.INVALID_LORA, s.getModelUri()
                    + ": not LoRA weights (a .safetensors file or a PEFT adapter folder); bundles are not taken from a request");
        }
        return new Models(model, base);
    }

    private SubmissionResult result(RenderJob job, Outcome outcome) {
        if (outcome instanceof Hashed h) {
            meters.rendered(h.renderMillis());
            LOG.debugf("image %d of %s rendered in %d ms", (Integer) job.getImageIndex(), h.submissionId(), (Long) h.millis());
            return new SubmissionResult(h.submissionId(), h.hashes()[0], h.millis(), null);
        }
        Failed f = (Failed) outcome;
        if (f.cause() instanceof EngineException) {
            LOG.warnf("image %d of %s failed: %s: %s", job.getImageIndex(), f.submissionId(), f.kind(), f.message());
        } else {
            // a bug or the JVM's own trouble: not the submission's fault, another attempt may succeed
            LOG.errorf(f.cause(), "image %d of %s failed unexpectedly", job.getImageIndex(), f.submissionId());
        }
        // the engine's kind says whose fault it is, unless this machine's storage failed underneath (Blame)
        boolean fault = f.cause() instanceof EngineException e ? Blame.submissionFault(e) : f.submissionFault();
        meters.renderFailed(f.kind(), fault);
        // the requester reads the kind and a fixed sentence; the detail (URIs, answers, digests, paths) stays in this log
        return new SubmissionResult(f.submissionId(), null, f.millis(), new RenderError(f.kind(), PublicErrors.message(f.kind()), fault));
    }

    private ImageScore score(RenderJob job, List<SubmissionResult> results, long started) {
        return ImageScore.newBuilder()
                .setValidationId(job.getValidationId())
                .setImageIndex(job.getImageIndex())
                .setAttempt(job.getAttempt())
                .setWorkerId(workerId)
                .setDevice(device)
                .setResults(results)
                .setStartedAtMillis(started)
                .setFinishedAtMillis(System.currentTimeMillis())
                .setNonce(job.getNonce())
                .build();
    }
}
