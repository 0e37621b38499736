package io.ftvalidator.engine;

import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.engine.render.PromptEncodings;
import io.ftvalidator.engine.render.RenderProfile;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.engine.render.Renderer;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.render.RenderSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The loop that renders a submission's images and hashes them, shared by the worker (one image of
 * every submission per job) and the command line (every image of every submission): find the
 * models, take the model with the submission's LoRA merged, render and hash each image, let the
 * model go. A submission that fails is an {@link Outcome}, never an exception, with whose fault it
 * is: the engine's refusals ({@link EngineException}) say so themselves; anything else (a bug, the
 * JVM out of memory) is the renderer's own trouble, never the submission's.
 */
public final class RenderAndHash {

    /** The kind of a failure that is the renderer's own trouble (a bug, the JVM), as scores name it. */
    public static final String WORKER_ERROR = "WORKER_ERROR";

    private RenderAndHash() {}

    /** The images every submission renders: image {@code indices[k]} with {@code prompts[k]}, under one seed and settings. */
    public record Images(long seed, List<Integer> indices, List<String> prompts, RenderSettings settings, HashAlgorithm algorithm) {

        public Images {
            indices = List.copyOf(indices);
            prompts = List.copyOf(prompts);
            if (indices.size() != prompts.size()) {
                throw new IllegalArgumentException(indices.size() + " image indices for " + prompts.size() + " prompts");
            }
        }

        /** Images 0 to n - 1 of a validation, image i with prompt i. */
        public static Images all(long seed, List<String> prompts, RenderSettings settings, HashAlgorithm algorithm) {
            return new Images(seed, IntStream.range(0, prompts.size()).boxed().toList(), prompts, settings, algorithm);
        }

        /** One image of a validation: a render job. */
        public static Images one(long seed, int index, String prompt, RenderSettings settings, HashAlgorithm algorithm) {
            return new Images(seed, List.of(index), List.of(prompt), settings, algorithm);
        }

        public int count() {
            return indices.size();
        }
    }

    /** A submission's model (a bundle or a LoRA) and, for a LoRA, its base bundle. */
    public record Models(ModelRef model, Optional<ModelRef> base) {}

    /** Finds a submission's models, downloading them if need be; what it throws is that submission's failure. */
    @FunctionalInterface
    public interface Locator {
        Models locate();
    }

    /** Sees each image once it is hashed: to save it, to show progress. */
    @FunctionalInterface
    public interface ImageListener {
        ImageListener NONE = (submissionId, index, image) -> { };

        void rendered(String submissionId, int index, RenderedImage image) throws IOException;
    }

    /** A submission's hashes, or why it has none; and the time it took. */
    public sealed interface Outcome permits Hashed, Failed {
        String submissionId();

        long millis();
    }

    /**
     * Every image hashed, in the order of {@link Images#indices}; {@code digest} is the submission's own (its LoRA's or
     * bundle's); {@code millis} the whole, {@code renderMillis} the renders and hashes alone (without locating and loading).
     */
    public record Hashed(String submissionId, String digest, long[] hashes, long millis, long renderMillis) implements Outcome {}

    /**
     * No hashes: {@code kind} is an {@link EngineException.Kind} name or {@link #WORKER_ERROR};
     * {@code cause} is what was thrown, for a log's stack trace.
     */
    public record Failed(String submissionId, String kind, String message, boolean submissionFault, long millis, Throwable cause)
            implements Outcome {}

    /**
     * Renders and hashes {@code images} of one submission with a model from {@code cache}.
     *
     * @param encodings the prompts' encodings shared with the other submissions of the job or comparison
     * @throws UncheckedIOException only when the listener fails: that is the caller's trouble, not the submission's
     */
    public static Outcome render(ModelCache cache, String submissionId, Locator locator, Images images, PromptEncodings encodings,
            ImageListener listener) {
        long start = System.nanoTime();
        try {
            Models models = locator.locate();
            try (ModelCache.Prepared prepared = cache.prepare(models.model(), models.base());
                    LoadedModel.Session session = prepared.open()) {
                long renderStart = System.nanoTime();
                long[] hashes = new long[images.count()];
                for (int k = 0; k < hashes.length; k++) {
                    int index = images.indices().get(k);
                    RenderedImage image = Renderer.render(
                            session, new ImageSpec(images.seed(), index, images.prompts().get(k), images.settings()), encodings, RenderProfile.OFF);
                    hashes[k] = PerceptualHash.hashRgb(images.algorithm(), image.rgb(), image.width(), image.height());
                    notify(listener, submissionId, index, image);
                }
                return new Hashed(submissionId, prepared.digest(), hashes, millisSince(start), millisSince(renderStart));
            }
        } catch (ListenerFailure e) {
            throw new UncheckedIOException(e.getCause());
        } catch (EngineException e) {
            return new Failed(submissionId, e.kind().name(), e.getMessage(), e.submissionFault(), millisSince(start), e);
        } catch (OutOfMemoryError e) {
            return new Failed(submissionId, EngineException.Kind.OUT_OF_MEMORY.name(), String.valueOf(e.getMessage()), false, millisSince(start), e);
        } catch (RuntimeException e) {
            return new Failed(submissionId, WORKER_ERROR, String.valueOf(e.getMessage()), false, millisSince(start), e);
        }
    }

    private static void notify(ImageListener listener, String submissionId, int index, RenderedImage image) {
        try {
            listener.rendered(submissionId, index, image);
        } catch (IOException e) {
            throw new ListenerFailure(e);
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** A listener's failure on its way out of the loop, past the catch that turns failures into outcomes. */
    private static final class ListenerFailure extends RuntimeException {
        ListenerFailure(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }
}
