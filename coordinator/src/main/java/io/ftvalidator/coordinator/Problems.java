package io.ftvalidator.coordinator;

import java.util.List;

/** The body of every 4xx and 5xx answer of the REST API: what kind of error, and every problem found. */
public record Problems(String error, List<String> problems) {

    public Problems {
        problems = List.copyOf(problems);
    }
}
