package io.ftvalidator.cli;

import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.noise.Prompts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The fixture models the demo and the benchmarks run on (fixtures/models/README.md). */
final class Fixtures {

    private Fixtures() {}

    static Path models() {
        return Home.path().resolve("fixtures/models");
    }

    static Path base() {
        return models().resolve("base");
    }

    static ModelRef baseRef() {
        return new ModelRef(base(), Optional.empty());
    }

    static Path lora(String name) {
        return models().resolve("loras").resolve(name + ".safetensors");
    }

    /** Two honest replicas (different numerics) and one dishonest submission, the fixture LoRA {@code cheat}. */
    static List<SubmissionArg> groupOfThree(String cheat) {
        return List.of(
                SubmissionArg.parse("honest-1=" + lora("honest-1")),
                SubmissionArg.parse("honest-2=" + lora("honest-2")),
                SubmissionArg.parse("dishonest=" + lora(cheat)));
    }

    static List<SubmissionArg> groupOfThree() {
        return groupOfThree("dishonest-half-steps");
    }

    static List<String> prompts() {
        try {
            return Prompts.read(Home.path().resolve("fixtures/prompts.txt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Validation options for these submissions on the fixture base, seed 42, one image per prompt. */
    static ValidationOptions options(List<SubmissionArg> submissions, List<String> prompts) {
        ValidationOptions v = new ValidationOptions();
        v.base = base().toString();
        v.models = submissions.stream().map(s -> s.id() + "=" + s.location()).toList();
        v.seed = 42;
        v.images = prompts.size();
        v.prompts = prompts;
        v.rule = "mean";
        v.algorithm = "goimagehash";
        return v;
    }
}
