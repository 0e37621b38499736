package io.ftvalidator.cli;

import io.ftvalidator.decision.Submission;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.hash.HashAlgorithm;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.engine.render.RenderSettings;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.engine.render.Renderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders every image of every submission in this process, as one worker would with all the jobs
 * of a validation, and hashes them. A submission that fails is an outcome, not an exception.
 */
final class LocalRenders {

    /** One submission's result: its hashes, or the failure, and the time its renders took. */
    record Outcome(SubmissionArg submission, Submission result, String digest, long millis) {}

    /** Receives each rendered image (to save it, say). */
    interface ImageSink {
        void accept(String submissionId, int index, RenderedImage image) throws IOException;
    }

    private LocalRenders() {}

    static List<Outcome> run(ModelCache cache, List<SubmissionArg> submissions, Optional<ModelRef> base, long seed,
            List<String> prompts, RenderSettings settings, HashAlgorithm hash, ImageSink sink) {
        if (base.isPresent()) {
            cache.prepare(base.get(), Optional.empty()).close(); // a bad base fails the whole run
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (SubmissionArg s : submissions) {
            long start = System.nanoTime();
            try (ModelCache.Prepared prepared = cache.prepare(s.model(), base); LoadedModel.Session session = prepared.open()) {
                long[] hashes = new long[prompts.size()];
                for (int i = 0; i < hashes.length; i++) {
                    RenderedImage image = Renderer.render(session, new ImageSpec(seed, i, prompts.get(i), settings));
                    hashes[i] = PerceptualHash.hashRgb(hash, image.rgb(), image.width(), image.height());
                    sink.accept(s.id(), i, image);
                }
                outcomes.add(new Outcome(s, new Submission.Rendered(s.id(), hashes), prepared.digest(), (System.nanoTime() - start) / 1_000_000));
            } catch (EngineException e) {
                outcomes.add(new Outcome(s, new Submission.Failed(s.id(), e.getMessage()), null, (System.nanoTime() - start) / 1_000_000));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return outcomes;
    }
}
