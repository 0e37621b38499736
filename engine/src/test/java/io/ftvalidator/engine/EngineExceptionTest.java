package io.ftvalidator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.ftvalidator.engine.EngineException.Kind;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class EngineExceptionTest {

    @Test
    void shouldBlameTheSubmissionForEveryKindButOutOfMemoryAndFailedDownloads() {
        EnumSet<Kind> workersTrouble = EnumSet.of(Kind.OUT_OF_MEMORY, Kind.FETCH_FAILED);
        for (Kind kind : Kind.values()) {
            assertThat(new EngineException(kind, "x").submissionFault()).as("%s", kind)
                    .isEqualTo(!workersTrouble.contains(kind));
        }
    }
}
