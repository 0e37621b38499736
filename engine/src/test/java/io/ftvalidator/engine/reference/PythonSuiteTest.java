package io.ftvalidator.engine.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Python reference's own unit tests (noise, goimagehash port, reference renderer) are part of the build. */
class PythonSuiteTest {

    @Test
    void shouldPassThePythonReferenceTests() throws Exception {
        PythonReference.assumeAvailable();
        PythonReference.Result r = PythonReference.run(List.of("-m", "unittest", "discover", "-s", "python", "-p", "test_*.py"), 900);
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).as(r.output()).containsPattern("(?m)^OK").doesNotContain("skipped=");
    }
}
