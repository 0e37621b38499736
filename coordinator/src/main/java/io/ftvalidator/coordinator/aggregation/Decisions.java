package io.ftvalidator.coordinator.aggregation;

import io.ftvalidator.decision.Decider;
import io.ftvalidator.decision.Decision;
import io.ftvalidator.decision.EarlyVerdict;
import io.ftvalidator.decision.Rule;
import io.ftvalidator.decision.Submission;
import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.FailedSubmission;
import io.ftvalidator.schemas.ImageProvenance;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.PairResult;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.ValidationState;
import io.ftvalidator.schemas.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * How a decision is written: a validation's aggregated scores into its DECIDED or INCONCLUSIVE
 * decision, or an invalid request into its REJECTED one. Pure functions.
 */
public final class Decisions {

    private Decisions() {}

    /** The request's threshold, or its rule's calibrated default. */
    public static double threshold(ValidationRequest request) {
        return request.getThreshold() != null ? request.getThreshold() : rule(request).defaultThreshold();
    }

    static Rule rule(ValidationRequest request) {
        return AvroMapping.toCore(request.getRule());
    }

    /**
     * Every image is in: the rule's verdict over all images; INCONCLUSIVE when a worker-side failure
     * left images unrendered (a job no worker finished is no submission's fault unless proven, and
     * a verdict over the other images would let a fault pick which images judge).
     */
    public static ValidationDecision decided(ValidationState state, long nowMillis) {
        ValidationRequest request = state.getRequest();
        Map<Integer, ImageScore> scores = byImage(state);
        Map<Integer, String> unrendered = unrendered(scores);
        if (!unrendered.isEmpty()) {
            String first = unrendered.values().iterator().next();
            return unjudged(state, scores, List.copyOf(unrendered.keySet()), nowMillis,
                    "no worker could render " + unrendered.size() + " of " + request.getImages() + " images ("
                    + first + (unrendered.size() > 1 ? "; and " + (unrendered.size() - 1) + " more" : "")
                    + "); a worker-side failure is no submission's fault, so nobody is judged");
        }
        List<Submission> submissions = submissions(state, scores);
        Decision d = Decider.decide(submissions, rule(request), threshold(request));
        String early = scores.size() < request.getImages()
                ? " (decided early, on " + scores.size() + " of " + request.getImages() + " images: no distances the other images could have change it)"
                : "";
        return builder(state, scores, nowMillis)
                .setStatus(DecisionStatus.DECIDED)
                .setVerdict(AvroMapping.toAvro(d.verdict()))
                .setReason(d.reason() + early)
                .setPairs(pairs(d))
                .setAgreeing(d.agreeing())
                .setOutliers(d.outliers())
                .setFailed(failed(submissions))
                .build();
    }

    /**
     * Whether the images in so far already give the verdict all of them would, whatever the
     * others turn out to be ({@link EarlyVerdict}); never while a worker-side failure is among them.
     */
    public static boolean isFinalEarly(ValidationState state) {
        Map<Integer, ImageScore> scores = byImage(state);
        if (scores.isEmpty() || !unrendered(scores).isEmpty()) {
            return false;
        }
        ValidationRequest request = state.getRequest();
        return EarlyVerdict.isFinal(submissions(state, scores), request.getImages(), rule(request), threshold(request));
    }

    /** The deadline passed with images missing: nobody is judged; the pairs cover the images that came in. */
    public static ValidationDecision inconclusive(ValidationState state, long nowMillis) {
        ValidationRequest request = state.getRequest();
        Map<Integer, ImageScore> scores = byImage(state);
        Map<Integer, String> unrendered = unrendered(scores);
        List<Integer> missing = IntStream.range(0, request.getImages())
                .filter(i -> !scores.containsKey(i) || unrendered.containsKey(i)).boxed().toList();
        return unjudged(state, scores, missing, nowMillis, "the deadline passed with " + missing.size() + " of "
                + request.getImages() + " images missing: " + abbreviate(missing));
    }

    /** INCONCLUSIVE: nobody is judged; the pairs cover the images that were rendered. */
    private static ValidationDecision unjudged(ValidationState state, Map<Integer, ImageScore> scores, List<Integer> missing,
            long nowMillis, String reason) {
        ValidationRequest request = state.getRequest();
        Map<Integer, ImageScore> rendered = new TreeMap<>(scores);
        rendered.keySet().removeAll(missing);
        List<Submission> submissions = submissions(state, rendered);
        List<PairResult> pairs = rendered.isEmpty() ? List.of() : pairs(Decider.decide(submissions, rule(request), threshold(request)));
        return builder(state, scores, nowMillis)
                .setStatus(DecisionStatus.INCONCLUSIVE)
                .setVerdict(Verdict.INCONCLUSIVE)
                .setReason(reason)
                .setMissingImages(missing)
                .setPairs(pairs)
                .setAgreeing(List.of())
                .setOutliers(List.of())
                .setFailed(failed(submissions))
                .build();
    }

    /** Images whose score carries a worker-side error, with the first such error. */
    private static Map<Integer, String> unrendered(Map<Integer, ImageScore> scores) {
        Map<Integer, String> out = new TreeMap<>();
        for (ImageScore score : scores.values()) {
            score.getResults().stream().filter(r -> r.getError() != null && !r.getError().getSubmissionFault()).findFirst()
                    .ifPresent(r -> out.put(score.getImageIndex(), "image " + score.getImageIndex() + ": "
                            + r.getError().getKind() + ": " + r.getError().getMessage()));
        }
        return out;
    }

    /** A request that cannot be run, with every problem (the intake's decision). */
    public static ValidationDecision rejected(ValidationRequest request, List<String> problems, long nowMillis) {
        return ValidationDecision.newBuilder()
                .setValidationId(request.getValidationId() == null ? "" : request.getValidationId())
                .setStatus(DecisionStatus.REJECTED)
                .setVerdict(Verdict.INCONCLUSIVE)
                .setReason("invalid request: " + String.join("; ", problems))
                .setRule(request.getRule())
                .setThreshold(threshold(request))
                .setHashAlgorithm(request.getHashAlgorithm())
                .setImages(request.getImages())
                .setImagesDone(0)
                .setPairs(List.of())
                .setAgreeing(List.of())
                .setOutliers(List.of())
                .setFailed(List.of())
                .setRenders(List.of())
                .setDecidedAtMillis(nowMillis)
                .build();
    }

    private static ValidationDecision.Builder builder(ValidationState state, Map<Integer, ImageScore> scores, long nowMillis) {
        ValidationRequest request = state.getRequest();
        List<ImageProvenance> renders = scores.values().stream()
                .map(s -> new ImageProvenance(s.getImageIndex(), s.getWorkerId(), s.getDevice().getKind(), s.getDevice().getName()))
                .toList();
        return ValidationDecision.newBuilder()
                .setValidationId(request.getValidationId())
                .setRule(request.getRule())
                .setThreshold(threshold(request))
                .setHashAlgorithm(request.getHashAlgorithm())
                .setImages(request.getImages())
                .setImagesDone(scores.size())
                .setRenders(renders)
                .setDecidedAtMillis(nowMillis);
    }

    /** One score per image, in image order. */
    static Map<Integer, ImageScore> byImage(ValidationState state) {
        Map<Integer, ImageScore> out = new TreeMap<>();
        for (ImageScore s : state.getScores()) {
            out.putIfAbsent(s.getImageIndex(), s);
        }
        return out;
    }

    /** Each submission's hashes over the given images, or its first failure there (the submission's fault: others are left out before). */
    private static List<Submission> submissions(ValidationState state, Map<Integer, ImageScore> scores) {
        List<Submission> out = new ArrayList<>();
        for (SubmissionSpec spec : state.getRequest().getSubmissions()) {
            long[] hashes = new long[scores.size()];
            String failure = null;
            int k = 0;
            for (ImageScore score : scores.values()) {
                SubmissionResult r = result(score, spec.getId());
                failure = r == null ? "image " + score.getImageIndex() + ": the worker returned no result for it"
                        : r.getError() != null ? "image " + score.getImageIndex() + ": " + r.getError().getKind() + ": " + r.getError().getMessage()
                        : null;
                if (failure != null) {
                    break;
                }
                hashes[k++] = r.getHash();
            }
            out.add(failure == null ? new Submission.Rendered(spec.getId(), hashes) : new Submission.Failed(spec.getId(), failure));
        }
        return out;
    }

    private static List<FailedSubmission> failed(List<Submission> submissions) {
        return submissions.stream()
                .filter(s -> s instanceof Submission.Failed)
                .map(s -> new FailedSubmission(s.id(), ((Submission.Failed) s).reason()))
                .toList();
    }

    private static SubmissionResult result(ImageScore score, String submissionId) {
        return score.getResults().stream().filter(r -> r.getSubmissionId().equals(submissionId)).findFirst().orElse(null);
    }

    private static List<PairResult> pairs(Decision d) {
        return d.pairs().stream()
                .map(p -> new PairResult(p.first(), p.second(), p.mean(), p.max(), Arrays.stream(p.distances()).boxed().toList(), p.same()))
                .toList();
    }

    private static String abbreviate(List<Integer> indices) {
        return indices.size() <= 20 ? indices.toString() : indices.subList(0, 20) + " and " + (indices.size() - 20) + " more";
    }
}
