package io.ftvalidator.schemas;

import io.ftvalidator.render.Sampler;
import java.util.List;

/**
 * The one mapping between the Avro contract's enums and records and core's types (rule, verdict,
 * hash algorithm, render settings), used wherever a message meets the code: the coordinator's
 * intake and decisions, the worker's jobs, the command line's requests. Each enum maps constant by
 * constant in an exhaustive switch, so a constant added on one side alone fails the build instead
 * of a {@code valueOf(name())} failing at run time.
 */
public final class AvroMapping {

    private AvroMapping() {}

    public static Precision toAvro(io.ftvalidator.render.Precision precision) {
        return switch (precision) {
            case FLOAT32 -> Precision.FLOAT32;
            case FLOAT16 -> Precision.FLOAT16;
        };
    }

    public static io.ftvalidator.decision.Rule toCore(Rule rule) {
        return switch (rule) {
            case MEAN -> io.ftvalidator.decision.Rule.MEAN;
            case EVERY_IMAGE -> io.ftvalidator.decision.Rule.EVERY_IMAGE;
        };
    }

    public static Rule toAvro(io.ftvalidator.decision.Rule rule) {
        return switch (rule) {
            case MEAN -> Rule.MEAN;
            case EVERY_IMAGE -> Rule.EVERY_IMAGE;
        };
    }

    public static io.ftvalidator.decision.Verdict toCore(Verdict verdict) {
        return switch (verdict) {
            case AGREED -> io.ftvalidator.decision.Verdict.AGREED;
            case OUTLIER -> io.ftvalidator.decision.Verdict.OUTLIER;
            case NO_CONSENSUS -> io.ftvalidator.decision.Verdict.NO_CONSENSUS;
            case INCONCLUSIVE -> io.ftvalidator.decision.Verdict.INCONCLUSIVE;
        };
    }

    public static Verdict toAvro(io.ftvalidator.decision.Verdict verdict) {
        return switch (verdict) {
            case AGREED -> Verdict.AGREED;
            case OUTLIER -> Verdict.OUTLIER;
            case NO_CONSENSUS -> Verdict.NO_CONSENSUS;
            case INCONCLUSIVE -> Verdict.INCONCLUSIVE;
        };
    }

    public static io.ftvalidator.hash.HashAlgorithm toCore(HashAlgorithm algorithm) {
        return switch (algorithm) {
            case GOIMAGEHASH -> io.ftvalidator.hash.HashAlgorithm.GOIMAGEHASH;
            case IMAGEHASH -> io.ftvalidator.hash.HashAlgorithm.IMAGEHASH;
        };
    }

    public static HashAlgorithm toAvro(io.ftvalidator.hash.HashAlgorithm algorithm) {
        return switch (algorithm) {
            case GOIMAGEHASH -> HashAlgorithm.GOIMAGEHASH;
            case IMAGEHASH -> HashAlgorithm.IMAGEHASH;
        };
    }

    /**
     * The core settings of a message's settings.
     *
     * @throws IllegalArgumentException listing what is out of range ({@link #problems} lists it without throwing)
     */
    public static io.ftvalidator.render.RenderSettings toCore(RenderSettings s) {
        return new io.ftvalidator.render.RenderSettings(Sampler.parse(s.getSampler()), s.getSteps(), s.getGuidance(),
                s.getWidth(), s.getHeight(), s.getNegativePrompt());
    }

    public static RenderSettings toAvro(io.ftvalidator.render.RenderSettings s) {
        return new RenderSettings(s.sampler().id(), s.steps(), s.guidance(), s.width(), s.height(), s.negativePrompt());
    }

    /** Every problem of a message's settings, as {@link io.ftvalidator.render.RenderSettings#problems} names them. */
    public static List<String> problems(RenderSettings s) {
        return io.ftvalidator.render.RenderSettings.problems(s.getSampler(), s.getSteps(), s.getGuidance(), s.getWidth(), s.getHeight());
    }
}
