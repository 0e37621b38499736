package io.ftvalidator.engine;

/**
 * Everything the engine refuses or fails at, as data: a {@link Kind} that callers can act on (the
 * worker turns it into an error score, the CLI into a one-line message and an exit code) and a
 * message that names the thing in trouble.
 */
public final class EngineException extends RuntimeException {

    /** What went wrong, coarse enough for a caller to decide what to do. */
    public enum Kind {
        /** A bad argument: an unknown setting, a malformed digest, a prompt the model cannot take. */
        BAD_INPUT(true),
        /** A file or folder that does not exist or cannot be read. */
        NOT_FOUND(true),
        /** A model URI the fetch policy refuses: its scheme, host or address, or a redirect to one (docs/security.md). */
        NOT_ALLOWED(true),
        /** A model larger than the fetch policy accepts, or a bundle whose extraction passes its bounds. */
        TOO_LARGE(true),
        /** A bundle or LoRA whose content does not match the digest the caller expects. */
        DIGEST_MISMATCH(true),
        /** A bundle whose layout, manifest or configuration is wrong. */
        INVALID_BUNDLE(true),
        /** A LoRA file whose keys or shapes do not fit the base model. */
        INVALID_LORA(true),
        /** The engine could not load a module (corrupt TorchScript, wrong signature). */
        LOAD_FAILED(true),
        /**
         * A model could not be downloaded (network, server error, deadline). Whose fault depends on
         * where from: the fetcher says it per failure (docs/security.md, blame); by default the worker's.
         */
        FETCH_FAILED(false),
        /** The device ran out of memory. Not the submission's fault. */
        OUT_OF_MEMORY(false),
        /** A model ran but its output was unusable (wrong shape, not finite). */
        RENDER_FAILED(true);

        /** Whether the submitted model (or request) is to blame for an error of this kind. */
        private final boolean submissionFault;

        Kind(boolean submissionFault) {
            this.submissionFault = submissionFault;
        }
    }

    private final Kind kind;
    private final boolean submissionFault;

    public EngineException(Kind kind, String message) {
        this(kind, message, kind.submissionFault, null);
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        this(kind, message, kind.submissionFault, cause);
    }

    /** An error whose blame is not its kind's usual one: a fetch from the submitter's own server, a base's trouble met through a LoRA. */
    public EngineException(Kind kind, String message, boolean submissionFault, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.submissionFault = submissionFault;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Whether the submitted model (or request) is to blame. Out of memory and failed downloads are
     * the worker's trouble: another attempt, elsewhere, may succeed.
     */
    public boolean submissionFault() {
        return submissionFault;
    }
}
