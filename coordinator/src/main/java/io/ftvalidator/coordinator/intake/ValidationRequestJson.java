package io.ftvalidator.coordinator.intake;

import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.schemas.HashAlgorithm;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.validation.Defaults;
import io.ftvalidator.validation.Limits;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The JSON body of {@code POST /validations}. Everything but the submissions, the seed and the
 * prompts has a default, from core's {@link Defaults}. {@link #toAvro} lists what cannot be
 * converted, {@link RequestCheck} the rest.
 */
public record ValidationRequestJson(
        String validationId,
        List<SubmissionJson> submissions,
        BigInteger seed,
        Integer images,
        List<String> prompts,
        List<String> promptPool,
        SettingsJson settings,
        String rule,
        String hashAlgorithm,
        Double threshold,
        Long deadlineSeconds) {

    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    public record SubmissionJson(String id, String modelUri, String sha256, String baseModelUri, String baseSha256) {}

    public record SettingsJson(String sampler, Integer steps, Double guidance, Integer width, Integer height, String negativePrompt) {}

    /**
     * This request with the rule and image count of the calibration its submissions' one base has
     * ({@link Calibrations}), where it names none.
     */
    public ValidationRequestJson calibrated(Calibrations calibrations) {
        if ((rule != null && images != null) || submissions == null || submissions.contains(null)) {
            return this;
        }
        return calibrations.forBases(submissions.stream().map(SubmissionJson::baseSha256).toList())
                .map(c -> new ValidationRequestJson(validationId, submissions, seed, images != null ? images : c.images(), prompts,
                        promptPool, settings, rule != null ? rule : c.rule().id(), hashAlgorithm, threshold, deadlineSeconds))
                .orElse(this);
    }

    /** The Avro request, or the problems that prevent building it (added to {@code problems}). */
    public ValidationRequest toAvro(long nowMillis, List<String> problems) {
        long seedBits = 0;
        if (seed == null) {
            problems.add("seed is required (an unsigned 64-bit number)");
        } else if (seed.signum() < 0 || seed.compareTo(TWO_64) >= 0) {
            problems.add("seed must be in 0..18446744073709551615, got " + seed);
        } else {
            seedBits = seed.longValue();
        }
        Rule parsedRule = parseRule(rule, problems);
        HashAlgorithm parsedHash = parseHash(hashAlgorithm, problems);
        List<SubmissionSpec> specs = new ArrayList<>();
        if (submissions != null) {
            for (SubmissionJson s : submissions) {
                if (s == null) {
                    problems.add("submissions may not hold null");
                    continue;
                }
                specs.add(new SubmissionSpec(s.id(), s.modelUri(), lower(s.sha256()), s.baseModelUri(), lower(s.baseSha256())));
            }
        }
        SettingsJson s = settings == null ? new SettingsJson(null, null, null, null, null, null) : settings;
        io.ftvalidator.render.RenderSettings d = Defaults.RENDER;
        RenderSettings renderSettings = RenderSettings.newBuilder()
                .setSampler(s.sampler() == null ? d.sampler().id() : s.sampler().toLowerCase(Locale.ROOT))
                .setSteps(s.steps() == null ? d.steps() : s.steps())
                .setGuidance(s.guidance() == null ? d.guidance() : s.guidance())
                .setWidth(s.width() == null ? d.width() : s.width())
                .setHeight(s.height() == null ? d.height() : s.height())
                .setNegativePrompt(s.negativePrompt() == null ? d.negativePrompt() : s.negativePrompt())
                .build();
        long deadline = deadlineSeconds == null ? Defaults.DEADLINE.toSeconds() : deadlineSeconds;
        if (deadline < 1 || deadline > Limits.MAX_DEADLINE.toSeconds()) {
            problems.add("deadlineSeconds must be in 1.." + Limits.MAX_DEADLINE.toSeconds() + ", got " + deadline);
            deadline = Defaults.DEADLINE.toSeconds();
        }
        return ValidationRequest.newBuilder()
                .setValidationId(validationId == null ? UUID.randomUUID().toString() : validationId)
                .setSubmissions(specs)
                .setSeed(seedBits)
                .setImages(images == null ? Defaults.IMAGES : images)
                .setPrompts(prompts == null ? List.of() : prompts)
                .setPromptPool(promptPool == null ? List.of() : promptPool)
                .setSettings(renderSettings)
                .setRule(parsedRule)
                .setHashAlgorithm(parsedHash)
                .setThreshold(threshold)
                .setDeadlineMillis(nowMillis + deadline * 1000)
                .setRequestedAtMillis(nowMillis)
                .build();
    }

    private static String lower(String hex) {
        return hex == null ? null : hex.toLowerCase(Locale.ROOT);
    }

    static Rule parseRule(String text, List<String> problems) {
        try {
            return AvroMapping.toAvro(text == null ? Defaults.RULE : io.ftvalidator.decision.Rule.parse(text));
        } catch (IllegalArgumentException e) {
            problems.add("rule must be mean or every-image, got '" + text + "'");
            return AvroMapping.toAvro(Defaults.RULE);
        }
    }

    static HashAlgorithm parseHash(String text, List<String> problems) {
        try {
            return AvroMapping.toAvro(text == null ? Defaults.HASH : io.ftvalidator.hash.HashAlgorithm.fromCliName(text));
        } catch (IllegalArgumentException e) {
            problems.add("hashAlgorithm must be goimagehash or imagehash, got '" + text + "'");
            return AvroMapping.toAvro(Defaults.HASH);
        }
    }
}
