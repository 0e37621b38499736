package io.ftvalidator.coordinator.ui;

import io.ftvalidator.coordinator.query.ValidationStatusJson;
import io.ftvalidator.schemas.ImageRender;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationState;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** What the web view's pages read ({@code /ui/api/...}): JSON made from the stores' records. */
final class WebViewJson {

    private WebViewJson() {}

    /** A line of the list of validations. */
    record Summary(String validationId, String state, String verdict, int images, int imagesDone, int submissions,
            List<String> outliers, Instant requestedAt, Instant decidedAt) {

        static Summary of(ValidationState s) {
            ValidationStatusJson status = ValidationStatusJson.of(s);
            ValidationDecision d = s.getDecision();
            return new Summary(status.validationId(), status.state(), status.decision() == null ? null : status.decision().verdict(),
                    status.images(), status.imagesDone(), status.submissions().size(), d == null ? List.of() : d.getOutliers(),
                    Instant.ofEpochMilli(s.getRequest().getRequestedAtMillis()), d == null ? null : Instant.ofEpochMilli(d.getDecidedAtMillis()));
        }

        /** The newest request first. */
        static final Comparator<Summary> NEWEST_FIRST = Comparator.comparing(Summary::requestedAt).reversed()
                .thenComparing(Summary::validationId);
    }

    /** One validation's page: its status (and decision), the request's seed, prompts and settings, and each image's hashes. */
    record Page(ValidationStatusJson status, String seed, List<String> prompts, Settings settings, List<Score> scores) {

        static Page of(ValidationState s) {
            RenderSettings r = s.getRequest().getSettings();
            return new Page(ValidationStatusJson.of(s), Long.toUnsignedString(s.getRequest().getSeed()), s.getPrompts(),
                    new Settings(r.getSampler(), r.getSteps(), r.getGuidance(), r.getWidth(), r.getHeight(), r.getNegativePrompt()),
                    s.getScores().stream().sorted(Comparator.comparing(ImageScore::getImageIndex)).map(Score::of).toList());
        }
    }

    record Settings(String sampler, int steps, double guidance, int width, int height, String negativePrompt) {}

    /** The score counted for one image: who rendered it and each submission's hash (16 hex digits) or error. */
    record Score(int image, String worker, String deviceKind, String device, List<Hash> results) {

        static Score of(ImageScore s) {
            return new Score(s.getImageIndex(), s.getWorkerId(), s.getDevice().getKind().name(), s.getDevice().getName(),
                    s.getResults().stream().map(Hash::of).toList());
        }
    }

    record Hash(String submission, String hash, String error) {

        static Hash of(SubmissionResult r) {
            return new Hash(r.getSubmissionId(), r.getHash() == null ? null : String.format("%016x", r.getHash()),
                    r.getError() == null ? null : r.getError().getKind() + ": " + r.getError().getMessage());
        }
    }

    /** A rendered image there is a PNG of, and where to get it. */
    record Render(int image, String submission, int width, int height, String worker, int attempt, String url) {

        static Render of(ImageRender r) {
            return new Render(r.getImageIndex(), r.getSubmissionId(), r.getWidth(), r.getHeight(), r.getWorkerId(), r.getAttempt(),
                    "/ui/api/validations/" + encode(r.getValidationId()) + "/renders/" + r.getImageIndex() + "/" + encode(r.getSubmissionId()));
        }
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
