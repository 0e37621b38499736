package io.ftvalidator.cli;

import io.ftvalidator.decision.Submission;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.RenderAndHash;
import io.ftvalidator.engine.RenderAndHash.Hashed;
import io.ftvalidator.engine.RenderAndHash.Images;
import io.ftvalidator.engine.RenderAndHash.Models;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.render.PromptEncodings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Renders every image of every submission in this process, as one worker would with all the jobs
 * of a validation, through the engine's {@link RenderAndHash} loop (the worker's). A submission
 * that fails is an outcome, not an exception.
 */
final class LocalRenders {

    /** One submission's result: its hashes, or the failure, and the time its renders took. */
    record Outcome(SubmissionArg submission, Submission result, String digest, long millis) {}

    private LocalRenders() {}

    /** The base bundle's digest, verified and loaded (a bad base fails the whole run). */
    static String baseDigest(ModelCache cache, ModelRef base) {
        try (ModelCache.Prepared prepared = cache.prepare(base, Optional.empty())) {
            return prepared.digest();
        }
    }

    static List<Outcome> run(ModelCache cache, List<SubmissionArg> submissions, Optional<ModelRef> base, Images images,
            RenderAndHash.ImageListener listener) {
        // a bad base fails the whole run; a good one is verified once and named by its digest from
        // then on, as a worker's requests name it (a path alone is hashed again on every prepare:
        // 4 GB per submission at Stable Diffusion's size)
        base = base.map(b -> b.sha256().isPresent() ? b : new ModelRef(b.path(), Optional.of(baseDigest(cache, b))));
        List<Outcome> outcomes = new ArrayList<>();
        // every submission renders the same prompts: those on one base encode each prompt once
        PromptEncodings encodings = new PromptEncodings(images.count());
        for (SubmissionArg s : submissions) {
            Models models = new Models(s.model(), base); // a model the command line cannot take fails the run, not the submission
            RenderAndHash.Outcome o = RenderAndHash.render(cache, s.id(), () -> models, images, encodings, listener);
            outcomes.add(o instanceof Hashed h
                    ? new Outcome(s, new Submission.Rendered(s.id(), h.hashes()), h.digest(), h.millis())
                    : new Outcome(s, new Submission.Failed(s.id(), ((RenderAndHash.Failed) o).message()), null, o.millis()));
        }
        return outcomes;
    }
}
