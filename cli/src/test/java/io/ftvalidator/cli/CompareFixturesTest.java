package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ftvalidator.decision.Rule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./ftval compare} on the fixture families (fixtures/models/README.md,
 * fixtures/models-b/README.md), with the default thresholds of docs/thresholds.md: at 4, 8 and 16
 * images every honest replica pair of the first family is the same model and every dishonest
 * submission differs from every honest one, under both rules; the second family, whose honest
 * replicas drift further, is separated at 16 images by its own calibrated threshold; a group of
 * three names its outlier.
 */
class CompareFixturesTest {

    static final List<String> HONEST = List.of("honest-1", "honest-2", "honest-3", "honest-4");
    static final List<String> DISHONEST = List.of("dishonest-zero", "dishonest-half-steps", "dishonest-other-data",
            "dishonest-random", "dishonest-half-strength");
    static final List<String> HONEST_B = List.of("honest-1", "honest-2", "honest-gpu-fp32", "honest-gpu-tf32");
    static final List<String> DISHONEST_B = List.of("dishonest-zero", "dishonest-half-steps", "dishonest-other-data",
            "dishonest-random", "dishonest-half-strength", "dishonest-other-seed", "dishonest-resampled-data");
    /** The second family's threshold for the mean rule at 16 images, from its calibration (docs/thresholds.md). */
    static final double CALIBRATED_B = 16.0;
    static final int IMAGES = 4;

    @TempDir
    static Path tmp;

    static Path models() {
        return Fixtures.models();
    }

    static String lora(String name) {
        return name + "=" + Fixtures.lora(name);
    }

    static JsonNode compare(String rule, List<String> models) throws Exception {
        return compare(models().resolve("base"), rule, IMAGES, null, models);
    }

    static JsonNode compare(Path base, String rule, int images, Double threshold, List<String> models) throws Exception {
        String[] more = threshold == null ? new String[0] : new String[] {"--threshold", threshold.toString()};
        CommandLineErrorsTest.Run run = run(base, rule, images, models, more);
        assertThat(run.exit()).as(run.err()).isZero();
        return new ObjectMapper().readTree(run.out());
    }

    static CommandLineErrorsTest.Run run(String rule, int images, List<String> models, String... more) {
        return run(models().resolve("base"), rule, images, models, more);
    }

    static CommandLineErrorsTest.Run run(Path base, String rule, int images, List<String> models, String... more) {
        List<String> args = new ArrayList<>(List.of("compare", "--base", base.toString(), "--seed", "42",
                "--images", Integer.toString(images), "--prompts", CommandLineErrorsTest.fixtures().resolve("prompts.txt").toString(),
                "--rule", rule, "--threads", "2", "--cache", tmp.resolve("cache").toString(), "--json"));
        for (String m : models) {
            args.add("--model");
            args.add(m);
        }
        args.addAll(List.of(more));
        return CommandLineErrorsTest.ftval(args.toArray(String[]::new));
    }

    private static JsonNode pair(JsonNode report, String a, String b) {
        for (JsonNode p : report.path("pairs")) {
            if (p.path("first").asText().equals(a) && p.path("second").asText().equals(b)
                    || p.path("first").asText().equals(b) && p.path("second").asText().equals(a)) {
                return p;
            }
        }
        throw new AssertionError("no pair " + a + " ~ " + b + " in " + report);
    }

    /** The pair's distances over its first k images. */
    private static int[] firstImages(JsonNode pair, int k) {
        int[] d = new int[k];
        for (int i = 0; i < k; i++) {
            d[i] = pair.path("distances").get(i).asInt();
        }
        return d;
    }

    /**
     * Asserts, for every K in {@code ks} and both rules with {@code threshold} (null: each rule's
     * default), that every honest pair is the same model and every honest-dishonest pair is not,
     * judged on the pair's first K images (the images of a K-image validation of the same seed).
     */
    private static void assertSeparated(JsonNode report, List<String> honest, List<String> dishonest, int[] ks, Double threshold) {
        for (int k : ks) {
            for (Rule rule : Rule.values()) {
                double t = threshold != null ? threshold : rule.defaultThreshold();
                for (int i = 0; i < honest.size(); i++) {
                    for (int j = i + 1; j < honest.size(); j++) {
                        JsonNode p = pair(report, honest.get(i), honest.get(j));
                        assertThat(rule.same(firstImages(p, k), t)).as("%s ~ %s, %d images, %s < %s: %s",
                                honest.get(i), honest.get(j), k, rule, t, p.path("distances")).isTrue();
                    }
                    for (String d : dishonest) {
                        JsonNode p = pair(report, honest.get(i), d);
                        assertThat(rule.same(firstImages(p, k), t)).as("%s ~ %s, %d images, %s < %s: %s",
                                honest.get(i), d, k, rule, t, p.path("distances")).isFalse();
                    }
                }
            }
        }
    }

    @Test
    void shouldCallEveryHonestPairTheSameAndEveryDishonestOneDifferentAtFourEightAndSixteenImages() throws Exception {
        List<String> all = new ArrayList<>();
        HONEST.forEach(h -> all.add(lora(h)));
        all.add("merged-1=" + models().resolve("honest-merged"));
        DISHONEST.forEach(d -> all.add(lora(d)));
        JsonNode report = compare(models().resolve("base"), "mean", 16, null, all);
        List<String> honest = new ArrayList<>(HONEST);
        honest.add("merged-1");
        assertSeparated(report, honest, DISHONEST, new int[] {4, 8, 16}, null);
        // the merged bundle is honest-1 baked in: the same images, bit for bit
        assertThat(pair(report, "honest-1", "merged-1").path("max").asInt()).isZero();
    }

    @Test
    void shouldSeparateTheSecondFamilyAtSixteenImagesWithItsCalibratedThreshold() throws Exception {
        Path family = models().resolveSibling("models-b");
        List<String> all = new ArrayList<>();
        HONEST_B.forEach(h -> all.add(h + "=" + family.resolve("loras").resolve(h + ".safetensors")));
        DISHONEST_B.forEach(d -> all.add(d + "=" + family.resolve("loras").resolve(d + ".safetensors")));
        JsonNode report = compare(family.resolve("base"), "mean", 16, CALIBRATED_B, all);
        for (int i = 0; i < HONEST_B.size(); i++) {
            for (int j = i + 1; j < HONEST_B.size(); j++) {
                JsonNode p = pair(report, HONEST_B.get(i), HONEST_B.get(j));
                assertThat(p.path("same").asBoolean()).as("%s ~ %s: %s", HONEST_B.get(i), HONEST_B.get(j), p).isTrue();
            }
            for (String d : DISHONEST_B) {
                JsonNode p = pair(report, HONEST_B.get(i), d);
                assertThat(p.path("same").asBoolean()).as("%s ~ %s: %s", HONEST_B.get(i), d, p).isFalse();
                // the defaults, tighter, call them different too: no false accept on this family either
                assertThat(Rule.MEAN.same(firstImages(p, 16), Rule.MEAN.defaultThreshold())).isFalse();
                assertThat(Rule.EVERY_IMAGE.same(firstImages(p, 16), Rule.EVERY_IMAGE.defaultThreshold())).isFalse();
            }
        }
    }

    static Stream<Arguments> groupsOfThree() {
        return Stream.of(
                Arguments.of("mean", "dishonest-zero"), Arguments.of("mean", "dishonest-half-steps"),
                Arguments.of("every-image", "dishonest-other-data"), Arguments.of("every-image", "dishonest-random"));
    }

    @ParameterizedTest
    @MethodSource("groupsOfThree")
    void shouldNameTheOutlierOfAGroupOfThree(String rule, String dishonest) throws Exception {
        JsonNode report = compare(rule, List.of(lora("honest-2"), lora(dishonest), lora("honest-3")));
        assertThat(report.path("verdict").asText()).isEqualTo("OUTLIER");
        assertThat(report.path("outliers").toString()).isEqualTo("[\"" + dishonest + "\"]");
        assertThat(report.path("agreeing").toString()).isEqualTo("[\"honest-2\",\"honest-3\"]");
    }

    @Test
    void shouldAgreeOnAGroupOfThreeHonestReplicasInEveryKeyConvention() throws Exception {
        Path conventions = models().resolve("loras/conventions");
        JsonNode report = compare("every-image", List.of(
                "kohya=" + conventions.resolve("honest-1-kohya.safetensors"),
                "peft-adapter=" + conventions.resolve("honest-1-peft-adapter"),
                "old-diffusers=" + conventions.resolve("honest-1-old-diffusers.safetensors")));
        assertThat(report.path("verdict").asText()).isEqualTo("AGREED");
        for (JsonNode p : report.path("pairs")) {
            assertThat(p.path("max").asInt()).as("%s", p).isZero();
        }
    }

    @Test
    void shouldExitWithTheVerdictOnlyWhenAsked() throws Exception {
        List<String> outlier = List.of(lora("honest-1"), lora("honest-2"), lora("dishonest-half-steps"));
        CommandLineErrorsTest.Run plain = run("mean", 2, outlier);
        CommandLineErrorsTest.Run asked = run("mean", 2, outlier, "--exit-code");
        assertThat(new ObjectMapper().readTree(plain.out()).path("verdict").asText()).isEqualTo("OUTLIER");
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(asked.exit()).as(asked.err()).isEqualTo(Ftval.OUTLIER).isEqualTo(3);
        assertThat(new ObjectMapper().readTree(asked.out()).path("outliers").toString()).isEqualTo("[\"dishonest-half-steps\"]");

        CommandLineErrorsTest.Run split = run("mean", 2, List.of(lora("honest-1"), lora("dishonest-half-steps")), "--exit-code");
        assertThat(new ObjectMapper().readTree(split.out()).path("verdict").asText()).isEqualTo("NO_CONSENSUS");
        assertThat(split.exit()).isEqualTo(Ftval.NO_AGREEMENT).isEqualTo(4);

        CommandLineErrorsTest.Run agreed = run("mean", 2, List.of(lora("honest-1"), lora("honest-2")), "--exit-code");
        assertThat(new ObjectMapper().readTree(agreed.out()).path("verdict").asText()).isEqualTo("AGREED");
        assertThat(agreed.exit()).isZero();
    }

    @Test
    void shouldNameSubmissionsWhoseFileNamesClashByTheirFolders() throws Exception {
        // as PEFT and diffusers save them: the same file name in each node's output folder
        Path a = Files.createDirectories(tmp.resolve("out/node-a")).resolve("pytorch_lora_weights.safetensors");
        Path b = Files.createDirectories(tmp.resolve("out/node-b")).resolve("pytorch_lora_weights.safetensors");
        Files.copy(Fixtures.lora("honest-1"), a);
        Files.copy(Fixtures.lora("dishonest-half-steps"), b);
        CommandLineErrorsTest.Run run = run("mean", 1, List.of(a.toString(), b.toString()));
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertThat(report.path("submissions").findValuesAsText("id")).containsExactly("node-a", "node-b");
        assertThat(report.path("pairs").get(0).path("first").asText()).isEqualTo("node-a");
        assertThat(report.path("pairs").get(0).path("same").asBoolean()).isFalse();
    }

    @Test
    void shouldRefuseSubmissionsWhoseFoldersClashTooInOneLine() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("x/run")).resolve("adapter_model.safetensors");
        Path b = Files.createDirectories(tmp.resolve("y/run")).resolve("adapter_model.safetensors");
        Files.copy(Fixtures.lora("honest-1"), a, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Fixtures.lora("honest-2"), b, StandardCopyOption.REPLACE_EXISTING);
        CommandLineErrorsTest.Run run = run("mean", 1, List.of(a.toString(), b.toString()));
        assertThat(run.exit()).isEqualTo(Ftval.FAILED);
        assertThat(run.err()).isEqualTo("ftval: submissions " + a + ", " + b + " would all be named 'run': name each NAME=PATH\n");
        assertThat(run.out()).isEmpty();
    }
}
