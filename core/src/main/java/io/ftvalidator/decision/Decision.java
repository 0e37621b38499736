package io.ftvalidator.decision;

import java.util.List;

/**
 * The outcome of a validation: every pair's score, the group verdict, who agrees, who is an outlier
 * (differing or failed), and a one-line reason.
 */
public record Decision(
        Rule rule,
        double threshold,
        List<PairScore> pairs,
        Verdict verdict,
        List<String> agreeing,
        List<String> outliers,
        List<String> failed,
        String reason) {

    public Decision {
        pairs = List.copyOf(pairs);
        agreeing = List.copyOf(agreeing);
        outliers = List.copyOf(outliers);
        failed = List.copyOf(failed);
    }
}
