package io.ftvalidator.coordinator.query;

import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.FailedSubmission;
import io.ftvalidator.schemas.ImageProvenance;
import io.ftvalidator.schemas.PairResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationState;
import java.time.Instant;
import java.util.List;

/** The answer of {@code GET /validations/{id}}: state, progress, and the decision once there is one. */
public record ValidationStatusJson(
        String validationId,
        String state,
        int images,
        int imagesDone,
        List<String> submissions,
        DecisionJson decision) {

    public record PairJson(String first, String second, double mean, int max, List<Integer> distances, boolean same) {}

    public record FailedJson(String submission, String reason) {}

    public record RenderJson(int image, String worker, String deviceKind, String device) {}

    public record DecisionJson(
            String status, String verdict, String reason, String rule, double threshold, String hashAlgorithm,
            List<PairJson> pairs, List<String> agreeing, List<String> outliers, List<FailedJson> failed,
            List<Integer> missingImages, List<RenderJson> renders, Instant decidedAt) {}

    /** PENDING until decided; then the decision's status. */
    public static ValidationStatusJson of(ValidationState s) {
        ValidationDecision d = s.getDecision();
        int done = s.getScores().size(); // one score per image: duplicates are dropped before they are stored
        return new ValidationStatusJson(
                s.getRequest().getValidationId(),
                d == null ? "PENDING" : d.getStatus().name(),
                s.getRequest().getImages(),
                d == null ? done : d.getImagesDone(),
                s.getRequest().getSubmissions().stream().map(SubmissionSpec::getId).toList(),
                d == null ? null : decision(d));
    }

    static DecisionJson decision(ValidationDecision d) {
        return new DecisionJson(
                d.getStatus().name(),
                d.getStatus() == DecisionStatus.REJECTED ? null : d.getVerdict().name(),
                d.getReason(),
                AvroMapping.toCore(d.getRule()).id(),
                d.getThreshold(),
                AvroMapping.toCore(d.getHashAlgorithm()).cliName(),
                d.getPairs().stream().map(ValidationStatusJson::pair).toList(),
                d.getAgreeing(),
                d.getOutliers(),
                d.getFailed().stream().map((FailedSubmission f) -> new FailedJson(f.getSubmissionId(), f.getReason())).toList(),
                d.getMissingImages(),
                d.getRenders().stream().map((ImageProvenance r) -> new RenderJson(r.getImageIndex(), r.getWorkerId(), r.getDeviceKind().name(), r.getDeviceName())).toList(),
                Instant.ofEpochMilli(d.getDecidedAtMillis()));
    }

    private static PairJson pair(PairResult p) {
        return new PairJson(p.getFirst(), p.getSecond(), p.getMean(), p.getMax(), p.getDistances(), p.getSame());
    }
}
