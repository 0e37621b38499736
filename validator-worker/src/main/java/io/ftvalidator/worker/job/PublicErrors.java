package io.ftvalidator.worker.job;

import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.RenderAndHash;

/**
 * What a requester reads about a failed submission: its kind and a fixed sentence per kind. Never
 * a remote server's answer, a digest of what came back, a URI the worker was redirected to, or a
 * path on the worker; the worker logs those with the validation id (docs/security.md).
 */
final class PublicErrors {

    private PublicErrors() {}

    static String message(String kind) {
        Kind k;
        try {
            k = Kind.valueOf(kind);
        } catch (IllegalArgumentException e) {
            return RenderAndHash.WORKER_ERROR.equals(kind) ? "the worker failed on its own account" : "the render failed";
        }
        return switch (k) {
            case BAD_INPUT -> "the request cannot be rendered as given (a setting or digest the engine refuses)";
            case NOT_FOUND -> "the model is not where its URI points";
            case NOT_ALLOWED -> "the model is not taken: its URI (scheme, host, address or a redirect) is not allowed, or it is"
                    + " not LoRA weights on a base of the allow-list";
            case TOO_LARGE -> "the model is larger than this cluster takes";
            case DIGEST_MISMATCH -> "the model's content does not match its sha256";
            case INVALID_BUNDLE -> "the model is not a valid bundle";
            case INVALID_LORA -> "the model is not valid LoRA weights for its base";
            case LOAD_FAILED -> "the model could not be loaded";
            case FETCH_FAILED -> "the model could not be fetched within this cluster's limits (the server failed or refused, or"
                    + " the download did not finish in time)";
            case OUT_OF_MEMORY -> "the worker ran out of memory";
            case RENDER_FAILED -> "the model's render was unusable (a wrong shape or values that are not finite)";
        };
    }
}
