package io.ftvalidator.decision;

/** The group verdict over all submissions of a validation. */
public enum Verdict {
    /** Every submission rendered and every pair is the same model. */
    AGREED,
    /** A strict majority of submissions are mutually the same model; the others are outliers. */
    OUTLIER,
    /** No strict majority agrees (or two candidate majorities do): nobody can be blamed. */
    NO_CONSENSUS,
    /** Fewer than two submissions could be compared. */
    INCONCLUSIVE
}
