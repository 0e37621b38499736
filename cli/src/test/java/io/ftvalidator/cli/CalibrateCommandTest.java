package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.calibration.EarlySavings;
import io.ftvalidator.calibration.Run;
import io.ftvalidator.calibration.Study;
import io.ftvalidator.calibration.Truth;
import io.ftvalidator.decision.Rule;
import io.ftvalidator.validation.Defaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ./ftval calibrate on the kept calibration runs (docs/calibration/reference: the Python reference,
 * 6 seeds x 32 images of each fixture family) and on fixtures it renders itself; early verdicts
 * checked against the full rule on the same runs.
 */
class CalibrateCommandTest {

    @TempDir
    static Path tmp;

    static List<Path> runs(String family) throws IOException {
        try (Stream<Path> files = Files.list(Home.path().resolve("docs/calibration/reference"))) {
            return files.filter(f -> f.getFileName().toString().matches(family + "-cpu-s\\d+\\.json")).sorted().toList();
        }
    }

    static List<Run> read(String family) throws IOException {
        List<Run> out = new ArrayList<>();
        for (Path f : runs(family)) {
            out.addAll(CalibrationRuns.read(f));
        }
        return out;
    }

    private static CommandLineErrorsTest.Run calibrate(String family, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("calibrate", "--name", "fixtures", "--base-sha256", "ab".repeat(32), "--runs"));
        runs(family).forEach(p -> args.add(p.toString()));
        args.addAll(List.of(more));
        return CommandLineErrorsTest.ftval(args.toArray(String[]::new));
    }

    @Test
    void shouldRecommendTheMiddleOfTheMarginOnFamilyAsTrainedKinds() throws IOException {
        CommandLineErrorsTest.Run run = calibrate("models", "--k", "4,8,16", "--min-margin", "3");
        assertThat(run.exit()).as(run.err()).isZero();
        // docs/thresholds.md: at K = 4 mean honest max 1.00, dishonest min 13.00 -> T = 7 in the middle
        assertThat(run.out()).contains("6 runs (seeds ").contains("recommended: rule mean, threshold 7, 4 images")
                .contains("ftval.calibration.fixtures.base-sha256=" + "ab".repeat(32))
                .contains("ftval.calibration.fixtures.rule=mean")
                .contains("ftval.calibration.fixtures.threshold=7")
                .contains("ftval.calibration.fixtures.images=4")
                .contains("early verdicts at rule mean, T = 7, K = 4");
    }

    @Test
    void shouldSeparateEveryKindOfFamilyAWithTheDefaultsAtTheDefaultImageCount() throws IOException {
        List<Run> runs = new ArrayList<>(read("models"));
        for (String f : List.of("corpus-a-s42.json", "corpus-a-s7.json")) {
            runs.addAll(CalibrationRuns.read(Home.path().resolve("docs/calibration/corpus").resolve(f)));
        }
        Study.Report r = Study.analyse(Study.pairs(runs, Truth.Naming.DEFAULT::of), List.of(Defaults.IMAGES), 2);
        assertThat(r.rules()).hasSize(2).allSatisfy(f -> {
            Study.AtK k = f.byK().get(0);
            double t = f.rule().defaultThreshold();
            // every window of K images: honest at least 2 bits below T, dishonest (the derived kinds too) at least 2 above
            assertThat(k.worstHonest()).as(f.rule().id()).isLessThanOrEqualTo(t - 2);
            assertThat(k.bestDishonest()).as(f.rule().id()).isGreaterThanOrEqualTo(t + 2);
        });
    }

    @Test
    void shouldFindNoSeparatingThresholdAtFourImagesOnFamilyB() throws IOException {
        CommandLineErrorsTest.Run run = calibrate("models-b", "--k", "4", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = CoordinatorClient.JSON.readTree(run.out());
        // docs/thresholds.md: family b's honest means reach 19.50 at K = 4, its dishonest ones fall to 16
        assertThat(report.path("recommendation").isNull()).isTrue();
        JsonNode mean = report.path("rules").get(0).path("byK").get(0);
        assertThat(mean.path("worstHonest").asDouble()).isEqualTo(19.5);
        assertThat(mean.path("bestDishonest").asDouble()).isEqualTo(16.0);
    }

    @ParameterizedTest(name = "{0}: {1} T={2} K={3}")
    @CsvSource({"models, mean, 5, 4", "models, mean, 5, 8", "models, every-image, 8, 8", "models, mean, 5, 16",
        "models-b, mean, 16, 16", "models-b, mean, 5, 8", "models-b, every-image, 8, 8"})
    void shouldNeverChangeAVerdictTheFullRuleGives(String family, String rule, double threshold, int images) throws IOException {
        List<EarlySavings.Kind> kinds = EarlySavings.measure(read(family), Truth.Naming.DEFAULT::of, Rule.parse(rule), threshold, images);
        assertThat(kinds).extracting(EarlySavings.Kind::name).containsExactly(
                "pair: honest + honest", "pair: honest + dishonest", "three: 3 honest", "three: 2 honest + dishonest");
        assertThat(kinds).allSatisfy(k -> {
            assertThat(k.validations()).isPositive();
            assertThat(k.changed()).as(k.name()).isZero();
        });
    }

    @Test
    void shouldStopAPairWithADishonestSubmissionEarlyAndAnAgreeingOneNever() throws IOException {
        List<EarlySavings.Kind> kinds = EarlySavings.measure(read("models"), Truth.Naming.DEFAULT::of, Rule.MEAN, 5, 8);
        // a same verdict needs every image (64 bits on one image would move a mean of 8 by 8); a split pair stops early
        assertThat(kinds.get(0).saved()).isZero();
        assertThat(kinds.get(2).saved()).isZero();
        assertThat(kinds.get(1).saved()).isGreaterThan(0.5);
    }

    @Test
    void shouldRenderAManifestsSubmissionsAndStudyThem() throws IOException {
        Path manifest = tmp.resolve("manifest.txt");
        Files.writeString(manifest, "# truth and path\n"
                + "honest a=" + Fixtures.lora("honest-1") + "\n"
                + "honest b=" + Fixtures.lora("honest-2") + "\n"
                + "dishonest c=" + Fixtures.lora("dishonest-random") + "\n");
        CommandLineErrorsTest.Run run = CommandLineErrorsTest.ftval("calibrate", "--base", CommandLineErrorsTest.base().toString(),
                "--manifest", manifest.toString(), "--seeds", "42,7", "--images", "2", "--k", "1,2", "--prompt", "a red circle",
                "--threads", "2", "--cache", tmp.resolve("cache").toString(), "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = CoordinatorClient.JSON.readTree(run.out());
        assertThat(report.path("runs")).hasSize(2);
        assertThat(report.path("pairs").path("honest").asInt()).isEqualTo(2);
        assertThat(report.path("pairs").path("dishonest").asInt()).isEqualTo(4);
        assertThat(report.path("runs").get(0).path("submissions").get(2).path("truth").asText()).isEqualTo("dishonest");
        // the base's digest, read from the bundle, goes into the printed configuration
        assertThat(report.path("configuration").toString()).doesNotContain("<the base bundle's sha256");
    }

    @Test
    void shouldNameAMissingManifestOrRunInOneLine() {
        Path missing = tmp.resolve("no-such.txt");
        CommandLineErrorsTest.Run manifest = CommandLineErrorsTest.ftval("calibrate", "--manifest", missing.toString(), "--prompt", "p");
        assertThat(manifest.exit()).isEqualTo(1);
        assertThat(manifest.err()).isEqualTo("ftval: " + missing + ": no such file" + System.lineSeparator());
        CommandLineErrorsTest.Run runs = CommandLineErrorsTest.ftval("calibrate", "--runs", missing.toString());
        assertThat(runs.err()).isEqualTo("ftval: " + missing + ": no such file" + System.lineSeparator());
    }

    @Test
    void shouldNameTheManifestLineThatCannotBeRead() throws IOException {
        Path manifest = tmp.resolve("bad.txt");
        Files.writeString(manifest, "honest a=x.safetensors\nmaybe b=y.safetensors\n");
        CommandLineErrorsTest.Run run = CommandLineErrorsTest.ftval("calibrate", "--manifest", manifest.toString(), "--prompt", "p");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains(manifest + ":2: unknown truth 'maybe': use honest, stress or dishonest");
    }
}
