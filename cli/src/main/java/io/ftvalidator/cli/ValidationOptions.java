package io.ftvalidator.cli;

import io.ftvalidator.decision.Rule;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.noise.Prompts;
import io.ftvalidator.validation.Limits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** What a validation is, on the command line: the submissions, the seed, the prompts and the rule. */
final class ValidationOptions {

    @Option(names = "--base", description = "the base bundle LoRA submissions apply to")
    String base;

    @Option(names = "--model", required = true, paramLabel = "[NAME=]PATH[#sha256=HEX]",
            description = "a submission: bundle or LoRA; give 2 or more. Named NAME, else by its file name, "
                    + "else (when file names clash) by its folder's")
    List<String> models;

    @Option(names = "--seed", required = true, converter = SeedConverter.class, description = "unsigned 64-bit seed")
    long seed;

    @Option(names = "--images", description = "images per model (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--prompt", description = "prompt(s); image i takes prompt i mod count")
    List<String> prompts;

    @Option(names = "--prompts", paramLabel = "FILE", description = "a prompt pool, one per line; image i draws its prompt with the seed")
    Path promptPool;

    @Option(names = "--rule", description = "mean or every-image (default: ${DEFAULT-VALUE})")
    String rule;

    @Option(names = "--threshold", description = "Hamming distance a pair must stay strictly below, in (0, 64] (default: the rule's calibrated value)")
    Double threshold;

    @Option(names = "--algorithm", description = "goimagehash or imagehash (default: ${DEFAULT-VALUE})")
    String algorithm;

    Rule parsedRule() {
        return Rule.parse(rule);
    }

    double threshold() {
        if (threshold != null && !(threshold > 0 && threshold <= Limits.MAX_THRESHOLD)) {
            throw new IllegalArgumentException("--threshold must be in (0, " + (int) Limits.MAX_THRESHOLD + "], got " + threshold);
        }
        return threshold != null ? threshold : parsedRule().defaultThreshold();
    }

    Optional<ModelRef> baseRef() {
        return Optional.ofNullable(base).map(ModelRef::parse);
    }

    /** The submissions, with unique names (by file, by folder where file names clash, or as given). */
    List<SubmissionArg> submissions() {
        List<SubmissionArg> out = SubmissionArg.withUniqueIds(models.stream().map(SubmissionArg::parse).toList());
        if (out.size() < Limits.MIN_SUBMISSIONS || out.size() > Limits.MAX_SUBMISSIONS) {
            throw new IllegalArgumentException("give " + Limits.MIN_SUBMISSIONS + ".." + Limits.MAX_SUBMISSIONS + " --model options, got " + out.size());
        }
        if (images < 1 || images > Limits.MAX_IMAGES) {
            throw new IllegalArgumentException("--images must be in 1.." + Limits.MAX_IMAGES + ", got " + images);
        }
        return out;
    }

    /** The pool file's prompts, when one is given. */
    List<String> pool() throws IOException {
        if (promptPool == null) {
            return List.of();
        }
        List<String> pool = Prompts.read(promptPool);
        if (pool.isEmpty()) {
            throw new IllegalArgumentException(promptPool + " holds no prompt");
        }
        return pool;
    }

    /** Prompts come either given or from a pool file, never both, never neither. */
    void checkPrompts() {
        if ((prompts == null) == (promptPool == null)) {
            throw new IllegalArgumentException("give either --prompt (one or more) or --prompts FILE");
        }
    }

    /** Each image's prompt: the given ones in turn, or drawn from the pool with the seed. */
    List<String> imagePrompts() throws IOException {
        checkPrompts();
        return Prompts.forImages(prompts != null ? prompts : List.of(), pool(), seed, images);
    }
}
