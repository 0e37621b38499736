package io.ftvalidator.decision;

/** What one submission produced for a validation: the hash of each image, or a failure. */
public sealed interface Submission permits Submission.Rendered, Submission.Failed {

    String id();

    /** Every image rendered and hashed; {@code hashes[i]} is image i's 64-bit perceptual hash. */
    record Rendered(String id, long[] hashes) implements Submission {
        public Rendered {
            hashes = hashes.clone();
        }

        @Override
        public long[] hashes() {
            return hashes.clone();
        }
    }

    /** The submission could not be rendered (model not fetched or not loadable, ...). */
    record Failed(String id, String reason) implements Submission {}
}
