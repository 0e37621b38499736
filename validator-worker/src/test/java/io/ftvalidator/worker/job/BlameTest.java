package io.ftvalidator.worker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

class BlameTest {

    @Test
    void shouldBlameTheSubmissionForItsOwnKindsOfError() {
        assertThat(Blame.submissionFault(new EngineException(Kind.DIGEST_MISMATCH, "sha256 is 00, expected 11"))).isTrue();
        assertThat(Blame.submissionFault(new EngineException(Kind.OUT_OF_MEMORY, "CUDA out of memory"))).isFalse();
    }

    @Test
    void shouldBlameTheWorkerWhenItsDiskIsFullWhateverTheStep() {
        // a real ENOSPC from the operating system: /dev/full refuses every write
        IOException full = catchThrowableOfType(IOException.class, () -> {
            try (OutputStream out = Files.newOutputStream(Path.of("/dev/full"))) {
                out.write(new byte[4096]);
                out.flush();
            }
        });
        assertThat(full).hasMessage("No space left on device");
        // as the engine reports a bundle it could not extract: a kind that would blame the submission
        EngineException extracting = new EngineException(Kind.NOT_FOUND, "base.zip: cannot be read: " + full.getMessage(), full);
        assertThat(extracting.submissionFault()).isTrue();
        assertThat(Blame.submissionFault(extracting)).isFalse();
    }

    @Test
    void shouldNotBeFooledByANameThatQuotesAStorageError() {
        EngineException named = new EngineException(Kind.INVALID_BUNDLE, "No space left on device.zip: not a zip",
                new ZipException("No space left on device"));
        assertThat(Blame.submissionFault(named)).isTrue();
    }
}
