package io.ftvalidator.schemas;

import io.apicurio.registry.rest.client.models.ProblemDetails;
import io.apicurio.registry.rest.client.models.RuleViolationCause;
import io.apicurio.registry.rest.client.models.RuleViolationProblemDetails;
import java.util.ArrayList;
import java.util.List;

/** The registry's own words for a failure: its problem details where an answer carried them. */
final class Problems {

    private Problems() {}

    /**
     * The first registry problem in the cause chain, as "status title: detail [cause; cause]", or
     * the exception's messages when the registry did not answer (unreachable, no such schema).
     */
    static String describe(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null && messages.size() < 5; t = t.getCause()) {
            if (t instanceof RuleViolationProblemDetails violation) {
                return problem(violation.getStatus(), violation.getTitle(), violation.getDetail())
                        + causes(violation.getCauses());
            }
            if (t instanceof ProblemDetails problem) {
                return problem(problem.getStatus(), problem.getTitle(), problem.getDetail());
            }
            if (t.getMessage() != null && !messages.contains(t.getMessage())) {
                messages.add(t.getMessage());
            }
        }
        return messages.isEmpty() ? e.getClass().getSimpleName() : String.join(": ", messages);
    }

    private static String problem(Integer status, String title, String detail) {
        String text = detail == null || detail.isBlank() ? title : detail.startsWith(String.valueOf(title)) ? detail : title + ": " + detail;
        return "registry answered " + status + ": " + text;
    }

    private static String causes(List<RuleViolationCause> causes) {
        if (causes == null || causes.isEmpty()) {
            return "";
        }
        List<String> each = new ArrayList<>();
        for (RuleViolationCause c : causes) {
            each.add(c.getDescription() + (c.getContext() == null ? "" : " at " + c.getContext()));
        }
        return " [" + String.join("; ", each) + "]";
    }
}
