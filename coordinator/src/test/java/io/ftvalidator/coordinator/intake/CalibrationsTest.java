package io.ftvalidator.coordinator.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.decision.Rule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ftval.calibration.* as ./ftval calibrate prints it: read, applied to one base only, refused with the property's name. */
class CalibrationsTest {

    private static final String BASE = "0f".repeat(32);

    private static Map<String, String> props(String name, String base, String rule, String threshold, String images) {
        Map<String, String> m = new HashMap<>();
        m.put("ftval.calibration." + name + ".base-sha256", base);
        m.put("ftval.calibration." + name + ".rule", rule);
        m.put("ftval.calibration." + name + ".threshold", threshold);
        m.put("ftval.calibration." + name + ".images", images);
        return m;
    }

    @Test
    void shouldFindTheCalibrationOfTheOneBaseEverySubmissionNames() {
        Calibrations c = Calibrations.of(props("sd15", BASE.toUpperCase(), "every-image", "16", "16"));
        assertThat(c.forBases(List.of(BASE, BASE))).hasValueSatisfying(x -> {
            assertThat(x.rule()).isEqualTo(Rule.EVERY_IMAGE);
            assertThat(x.threshold()).isEqualTo(16.0);
            assertThat(x.images()).isEqualTo(16);
        });
        assertThat(c.forBases(List.of(BASE, "aa".repeat(32)))).isEmpty();
        assertThat(c.forBases(List.of("aa".repeat(32)))).isEmpty();
    }

    @Test
    void shouldNameThePropertyThatIsWrong() {
        Map<String, String> missing = props("sd15", BASE, "mean", "5", "8");
        missing.remove("ftval.calibration.sd15.images");
        assertThatThrownBy(() -> Calibrations.of(missing)).hasMessage("ftval.calibration.sd15.images is missing (./ftval calibrate prints all four)");
        assertThatThrownBy(() -> Calibrations.of(props("sd15", BASE, "mean", "0", "8")))
                .hasMessage("ftval.calibration.sd15.threshold must be in (0, 64], got 0");
        assertThatThrownBy(() -> Calibrations.of(props("sd15", "xyz", "mean", "5", "8")))
                .hasMessage("ftval.calibration.sd15.base-sha256 must be 64 hex digits, got 'xyz'");
        assertThatThrownBy(() -> Calibrations.of(Map.of("ftval.calibration.sd15.colour", "red")))
                .hasMessage("ftval.calibration.sd15.colour: expected ftval.calibration.NAME.(base-sha256|rule|threshold|images)");
        Map<String, String> twice = props("a", BASE, "mean", "5", "8");
        twice.putAll(props("b", BASE, "mean", "6", "8"));
        assertThatThrownBy(() -> Calibrations.of(twice)).hasMessage("ftval.calibration.b.base-sha256: the base of ftval.calibration.a too");
    }
}
