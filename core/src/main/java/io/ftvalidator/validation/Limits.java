package io.ftvalidator.validation;

import io.ftvalidator.decision.Decider;
import java.time.Duration;

/**
 * What a validation request may ask, in one place: the coordinator's intake (REST and Kafka), the
 * command line and the render settings all check against these numbers.
 */
public final class Limits {

    /** Submissions compared in one validation: at least two, at most what the decision handles. */
    public static final int MIN_SUBMISSIONS = 2;
    public static final int MAX_SUBMISSIONS = Decider.MAX_SUBMISSIONS;
    /** Images rendered per submission. */
    public static final int MAX_IMAGES = 1000;
    /** Sampler steps per image. */
    public static final int MAX_STEPS = 1000;
    /** Classifier-free guidance scale. */
    public static final double MAX_GUIDANCE = 100;
    /** Image width and height, in pixels. */
    public static final int MAX_SIZE = 4096;
    /** A request's width and height are multiples of this (every Stable Diffusion VAE's factor). */
    public static final int SIZE_MULTIPLE = 8;
    /** A threshold is a Hamming distance between 64-bit hashes: in (0, 64]. */
    public static final double MAX_THRESHOLD = 64;
    /** How far ahead a deadline may be. */
    public static final Duration MAX_DEADLINE = Duration.ofHours(24);
    /** Validation and submission ids: a letter or digit, then letters, digits and . _ : -, 128 at most. */
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";
    /** A model or base URI, in characters. */
    public static final int MAX_URI = 2048;
    /** One prompt, a negative prompt, in characters (a CLIP prompt is cut at 77 tokens anyway). */
    public static final int MAX_PROMPT = 2000;
    /** Prompts or pool entries one request may list. */
    public static final int MAX_PROMPTS = MAX_IMAGES;

    /**
     * The most a request may cost, in megapixel-steps: images x submissions x steps x width x height
     * / 10^6 (a size of 0, the model's own, counts as {@link #COST_DEFAULT_SIZE} square). The
     * fixtures' default validation (8 images, 3 submissions, 30 steps, 512 x 512) costs 189; 1000
     * images x 16 submissions x 1000 steps at 4096 x 4096, the most each limit above allows, would
     * hold a fleet for days.
     */
    public static final long MAX_RENDER_COST = 100_000;
    /** The side a size of 0 (the model's default) counts as in the cost: Stable Diffusion 1.x's 512. */
    public static final int COST_DEFAULT_SIZE = 512;

    /**
     * The most a validation's state (request, prompts, job nonces, one score per image, the
     * decision) may take, in bytes, estimated at intake: the state is one changelog record, and a
     * broker refuses records over its {@code message.max.bytes} (1 MiB by default), which would
     * stop the aggregation. Room is left for the record's own overhead.
     */
    public static final int MAX_STATE_BYTES = 900 * 1024;
    /** The longest worker id, device name or engine a score may carry, in UTF-8 bytes (the state estimate counts on it). */
    public static final int MAX_SCORE_TEXT = 128;
    /** The longest error kind of a score's result, in UTF-8 bytes. */
    public static final int MAX_ERROR_KIND = 32;
    /** The longest error message of a score's result, in UTF-8 bytes: a coarse sentence, never a remote answer or a path. */
    public static final int MAX_ERROR_MESSAGE = 240;

    /** A request's cost in megapixel-steps ({@link #MAX_RENDER_COST}). */
    public static double renderCost(int images, int submissions, int steps, int width, int height) {
        double w = width == 0 ? COST_DEFAULT_SIZE : width;
        double h = height == 0 ? COST_DEFAULT_SIZE : height;
        return (double) images * submissions * steps * w * h / 1e6;
    }

    private Limits() {}
}
