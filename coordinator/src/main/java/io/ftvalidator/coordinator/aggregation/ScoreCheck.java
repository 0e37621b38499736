package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationState;
import io.ftvalidator.validation.Limits;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a score may join its validation's state: a score that is not what the validation's job
 * asked for goes to the dead letters with the reason instead, and the validation waits for a real
 * one (or its deadline). Checked before anything is stored, so that nothing a decision cannot read
 * reaches the state store, where it would fail every later decision and every restart.
 */
public final class ScoreCheck {

    /** Why a score is refused; the tag names it in the {@code ftval.scores.refused} metric. */
    public record Refusal(String tag, String reason) {}

    private ScoreCheck() {}

    /** Empty when {@code score} fits {@code state}; else why not. */
    public static Optional<Refusal> problem(ValidationState state, ImageScore score) {
        int images = state.getRequest().getImages();
        int index = score.getImageIndex();
        if (index < 0 || index >= images) {
            return refuse("image-index", "image index " + index + " is outside 0.." + (images - 1));
        }
        List<String> nonces = state.getJobNonces();
        // a validation taken before nonces existed has none to check against
        if (!nonces.isEmpty() && !constantTimeEquals(nonces.get(index), score.getNonce())) {
            return refuse("nonce", "the score of image " + index + " does not carry its job's nonce: not an answer to a job"
                    + " this coordinator sent (forged, or for an earlier validation with the same id)");
        }
        if (bytes(score.getWorkerId()) > Limits.MAX_SCORE_TEXT || bytes(score.getDevice().getName()) > Limits.MAX_SCORE_TEXT
                || bytes(score.getDevice().getEngine()) > Limits.MAX_SCORE_TEXT) {
            return refuse("too-large", "the score of image " + index + " names its worker, device or engine in more than "
                    + Limits.MAX_SCORE_TEXT + " bytes");
        }
        Set<String> expected = new HashSet<>();
        for (SubmissionSpec s : state.getRequest().getSubmissions()) {
            expected.add(s.getId());
        }
        Set<String> seen = new HashSet<>();
        for (SubmissionResult r : score.getResults()) {
            String id = r.getSubmissionId();
            if (!expected.contains(id)) {
                return refuse("results", "the score of image " + index + " has a result for '" + abbreviate(id)
                        + "', which is no submission of the validation");
            }
            if (!seen.add(id)) {
                return refuse("results", "the score of image " + index + " has two results for '" + id + "'");
            }
            if ((r.getHash() == null) == (r.getError() == null)) {
                return refuse("results", "the result for '" + id + "' of image " + index + " has "
                        + (r.getHash() == null ? "neither a hash nor an error" : "both a hash and an error"));
            }
            if (r.getError() != null && (bytes(r.getError().getKind()) > Limits.MAX_ERROR_KIND
                    || bytes(r.getError().getMessage()) > Limits.MAX_ERROR_MESSAGE)) {
                return refuse("too-large", "the error of '" + id + "' on image " + index + " is longer than "
                        + Limits.MAX_ERROR_KIND + " bytes (kind) or " + Limits.MAX_ERROR_MESSAGE + " bytes (message)");
            }
        }
        if (seen.size() != expected.size()) {
            return refuse("results", "the score of image " + index + " has results for " + seen.size() + " of the "
                    + expected.size() + " submissions");
        }
        return Optional.empty();
    }

    private static Optional<Refusal> refuse(String tag, String reason) {
        return Optional.of(new Refusal(tag, reason));
    }

    private static int bytes(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    /** Compares without returning early, so that response times do not tell a forger how much of a nonce was right. */
    private static boolean constantTimeEquals(String expected, String actual) {
        if (actual == null || expected.length() != actual.length()) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < expected.length(); i++) {
            diff |= expected.charAt(i) ^ actual.charAt(i);
        }
        return diff == 0;
    }
}
