package io.ftvalidator.worker.job;

import io.ftvalidator.engine.EngineException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.Set;

/**
 * Whose fault a failed render is (docs/security.md, "Blame"):
 *
 * <ul>
 *   <li>the submission's: its model cannot be had within the limits (refused by the fetch policy,
 *       missing, too large, a download that passes its deadline, a server of the submitter's that
 *       fails or refuses, after a few attempts), has another digest, or is no valid LoRA for its
 *       base. Decided at once: retrying would let a submitter force an INCONCLUSIVE;
 *   <li>the worker's: this machine's storage or memory, a host the operator listed failing (its
 *       trouble is everyone's), anything about a base of the allow-list, a bug. The job is released
 *       to another worker, and a job no worker finishes ends INCONCLUSIVE, judging nobody.
 * </ul>
 *
 * The engine and the fetcher say it per error ({@link EngineException#submissionFault()}); a
 * failure of this machine's storage is the worker's whatever the step that met it (a full disk
 * while a bundle is extracted is not a broken bundle). Only the operating system's own error text
 * is read, never a message that could quote a submitted file or address.
 */
final class Blame {

    /** The operating system's reasons (strerror) for a storage failure. */
    private static final Set<String> STORAGE_FAILURES = Set.of(
            "No space left on device", "Disk quota exceeded", "Read-only file system", "Input/output error");

    private Blame() {}

    /** Whether the submitted model (or request) is to blame for {@code e}. */
    static boolean submissionFault(EngineException e) {
        return e.submissionFault() && !storageFailure(e);
    }

    /** Whether {@code e} or one of its causes is this machine's storage failing. */
    static boolean storageFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String reason = t instanceof FileSystemException fs ? fs.getReason()
                    : t.getClass() == IOException.class ? t.getMessage()
                    : null;
            if (reason != null && STORAGE_FAILURES.contains(reason)) {
                return true;
            }
        }
        return false;
    }
}
