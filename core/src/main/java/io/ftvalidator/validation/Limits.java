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

    private Limits() {}
}
