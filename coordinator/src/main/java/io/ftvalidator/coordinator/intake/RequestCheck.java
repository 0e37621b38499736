package io.ftvalidator.coordinator.intake;

import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.validation.Limits;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every problem of a validation request, listed at once: the REST intake answers them with a 400,
 * the Kafka intake with a REJECTED decision. One check for both paths, against core's
 * {@link Limits} and the render settings' own rules.
 */
public final class RequestCheck {

    private static final Pattern ID = Pattern.compile(Limits.ID_PATTERN);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Set<String> SCHEMES = Set.of("file", "http", "https");

    private RequestCheck() {}

    /**
     * @param nowMillis the time the request is taken in
     * @param admission the bases, bundles and prompt pool this coordinator admits
     */
    public static List<String> problems(ValidationRequest r, long nowMillis, Admission admission) {
        boolean hasDefaultPool = admission.hasDefaultPool();
        List<String> problems = new ArrayList<>();
        if (r.getValidationId() == null || !ID.matcher(r.getValidationId()).matches()) {
            problems.add("validationId must be 1-128 characters of letters, digits and . _ : - (starting with a letter or digit)");
        }
        List<SubmissionSpec> submissions = r.getSubmissions();
        if (submissions == null || submissions.size() < Limits.MIN_SUBMISSIONS || submissions.size() > Limits.MAX_SUBMISSIONS) {
            problems.add("submissions: give " + Limits.MIN_SUBMISSIONS + ".." + Limits.MAX_SUBMISSIONS + ", got "
                    + (submissions == null ? 0 : submissions.size()));
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; submissions != null && i < submissions.size(); i++) {
            checkSubmission("submissions[" + i + "]", submissions.get(i), ids, admission, problems);
        }
        if (r.getImages() < 1 || r.getImages() > Limits.MAX_IMAGES) {
            problems.add("images must be in 1.." + Limits.MAX_IMAGES + ", got " + r.getImages());
        }
        if (r.getPrompts().stream().anyMatch(p -> p == null || p.isBlank())
                || r.getPromptPool().stream().anyMatch(p -> p == null || p.isBlank())) {
            problems.add("prompts and promptPool may not hold empty prompts");
        }
        if (r.getPrompts().size() > Limits.MAX_PROMPTS || r.getPromptPool().size() > Limits.MAX_PROMPTS) {
            problems.add("prompts and promptPool may list " + Limits.MAX_PROMPTS + " prompts at most");
        }
        if (r.getPrompts().stream().anyMatch(p -> p != null && p.length() > Limits.MAX_PROMPT)
                || r.getPromptPool().stream().anyMatch(p -> p != null && p.length() > Limits.MAX_PROMPT)) {
            problems.add("a prompt may be " + Limits.MAX_PROMPT + " characters at most");
        }
        if (!r.getPrompts().isEmpty() && !r.getPromptPool().isEmpty()) {
            problems.add("give prompts or promptPool, not both");
        }
        if (r.getPrompts().isEmpty() && r.getPromptPool().isEmpty() && !hasDefaultPool) {
            problems.add("give prompts or promptPool: this coordinator has no prompt pool of its own");
        }
        checkSettings(r.getSettings(), problems);
        if (r.getThreshold() != null && !(r.getThreshold() > 0 && r.getThreshold() <= Limits.MAX_THRESHOLD)) {
            problems.add("threshold must be in (0, " + (int) Limits.MAX_THRESHOLD + "], got " + r.getThreshold());
        }
        long window = r.getDeadlineMillis() - nowMillis;
        if (window <= 0 || window > Limits.MAX_DEADLINE.toMillis()) {
            problems.add("the deadline must be in the next " + Limits.MAX_DEADLINE.toHours() + " hours");
        }
        if (problems.isEmpty()) {
            checkCost(r, admission, problems);
        }
        return problems;
    }

    /** What the request would hold: the fleet (render cost) and the aggregation (its state's size). */
    private static void checkCost(ValidationRequest r, Admission admission, List<String> problems) {
        RenderSettings s = r.getSettings();
        double cost = Limits.renderCost(r.getImages(), r.getSubmissions().size(), s.getSteps(), s.getWidth(), s.getHeight());
        if (cost > Limits.MAX_RENDER_COST) {
            problems.add(String.format(Locale.ROOT, "the validation would cost %.0f megapixel-steps (images x submissions x steps"
                    + " x width x height / 10^6, a size of 0 counting as %d), more than the %d one request may: fewer images,"
                    + " submissions or steps, or smaller images", cost, Limits.COST_DEFAULT_SIZE, Limits.MAX_RENDER_COST));
        }
        long state = StateSize.estimate(r, admission.defaultPool());
        if (state > Limits.MAX_STATE_BYTES) {
            problems.add("the validation's state could take up to " + state + " bytes, more than the " + Limits.MAX_STATE_BYTES
                    + " one changelog record may: fewer images or submissions, or shorter prompts");
        }
    }

    private static void checkSubmission(String where, SubmissionSpec s, Set<String> ids, Admission admission, List<String> problems) {
        if (s.getId() == null || !ID.matcher(s.getId()).matches()) {
            problems.add(where + ".id must be 1-128 characters of letters, digits and . _ : -");
        } else if (!ids.add(s.getId())) {
            problems.add(where + ".id '" + s.getId() + "' is used twice");
        }
        checkUri(where + ".modelUri", s.getModelUri(), problems);
        checkDigest(where + ".sha256", s.getSha256(), problems);
        if (s.getBaseModelUri() != null) {
            checkUri(where + ".baseModelUri", s.getBaseModelUri(), problems);
        }
        if (s.getBaseSha256() == null) {
            if (s.getBaseModelUri() != null) {
                problems.add(where + ": baseModelUri needs its baseSha256");
            } else if (!admission.allowBundles()) {
                problems.add(where + ": only LoRA weights are accepted (a .safetensors file or a PEFT adapter folder), on a base"
                        + " of this cluster's allow-list named by baseSha256" + known(admission));
            }
            return;
        }
        checkDigest(where + ".baseSha256", s.getBaseSha256(), problems);
        boolean listed = admission.bases().byDigest(s.getBaseSha256()).isPresent();
        if (!listed && !admission.allowBundles()) {
            problems.add(where + ".baseSha256 names no base of this cluster's allow-list" + known(admission));
        } else if (!listed && s.getBaseModelUri() == null) {
            problems.add(where + ": a base that is not on the allow-list needs its baseModelUri");
        }
    }

    /** The allowed bases, for a message: their names and digests are the operator's published configuration. */
    private static String known(Admission admission) {
        return admission.bases().isEmpty() ? " (the list is empty)"
                : " (" + admission.bases().all().stream().map(b -> b.name() + " " + b.sha256()).sorted()
                        .reduce((a, b) -> a + ", " + b).orElse("") + ")";
    }

    private static void checkUri(String where, String uri, List<String> problems) {
        if (uri != null && uri.length() > Limits.MAX_URI) {
            problems.add(where + " may be " + Limits.MAX_URI + " characters at most");
            return;
        }
        try {
            URI parsed = new URI(uri == null ? "" : uri);
            if (parsed.getScheme() == null || !SCHEMES.contains(parsed.getScheme().toLowerCase())) {
                problems.add(where + " must be a file:, http: or https: URI, got '" + uri + "'");
            }
        } catch (URISyntaxException e) {
            problems.add(where + " is not a URI: " + e.getMessage());
        }
    }

    private static void checkDigest(String where, String sha256, List<String> problems) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            problems.add(where + " must be 64 lower-case hex digits");
        }
    }

    private static void checkSettings(RenderSettings s, List<String> problems) {
        if (s == null) {
            problems.add("settings are required");
            return;
        }
        AvroMapping.problems(s).forEach(p -> problems.add("settings." + p));
        if (s.getWidth() % Limits.SIZE_MULTIPLE != 0 || s.getHeight() % Limits.SIZE_MULTIPLE != 0) {
            problems.add("settings.width and settings.height must be multiples of " + Limits.SIZE_MULTIPLE + ", got "
                    + s.getWidth() + "x" + s.getHeight());
        }
        if (s.getNegativePrompt() != null && s.getNegativePrompt().length() > Limits.MAX_PROMPT) {
            problems.add("settings.negativePrompt may be " + Limits.MAX_PROMPT + " characters at most");
        }
    }
}
