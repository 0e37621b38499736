package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;

/** Prints a validation status (the coordinator's JSON) for people, or as it came. */
final class StatusPrinter {

    private StatusPrinter() {}

    /** A status on the way: images done of all. */
    static void progress(Progress bar, JsonNode s) {
        bar.set(s.path("imagesDone").asInt(), s.path("images").asInt(), s.path("validationId").asText());
    }

    /** The status as JSON, or as {@link #decision} writes it. */
    static void print(PrintWriter out, JsonNode s, boolean json) throws IOException {
        if (json) {
            out.println(CoordinatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s));
            out.flush();
        } else {
            decision(out, s);
        }
    }

    /** The exit code of a status under {@code --exit-code}: the verdict's, {@link Ftval#PENDING} while undecided. */
    static int exitCode(JsonNode s) {
        JsonNode d = s.path("decision");
        if (d.isMissingNode() || d.isNull()) {
            return Ftval.PENDING;
        }
        return Ftval.exitCode(d.path("verdict").isNull() ? d.path("status").asText() : d.path("verdict").asText());
    }

    static void decision(PrintWriter out, JsonNode s) {
        JsonNode d = s.path("decision");
        out.printf("validation %s: %s%n", s.path("validationId").asText(), s.path("state").asText());
        if (d.isMissingNode() || d.isNull()) {
            out.printf("  %d of %d images done%n", s.path("imagesDone").asInt(), s.path("images").asInt());
            return;
        }
        out.printf("  rule %s, threshold %s, hash %s%n", d.path("rule").asText(), d.path("threshold").asText(), d.path("hashAlgorithm").asText());
        int width = 8;
        for (JsonNode p : d.path("pairs")) {
            width = Math.max(width, p.path("first").asText().length() + p.path("second").asText().length() + 3);
        }
        out.printf("  %-" + width + "s  %6s  %4s  %-4s  %s%n", "pair", "mean", "max", "same", "per-image distances");
        for (JsonNode p : d.path("pairs")) {
            StringBuilder distances = new StringBuilder();
            p.path("distances").forEach(x -> distances.append(distances.length() == 0 ? "" : " ").append(x.asInt()));
            out.printf("  %-" + width + "s  %6.2f  %4d  %-4s  %s%n", p.path("first").asText() + " ~ " + p.path("second").asText(),
                    p.path("mean").asDouble(), p.path("max").asInt(), p.path("same").asBoolean() ? "yes" : "no", distances);
        }
        for (JsonNode f : d.path("failed")) {
            out.printf("  failed: %s: %s%n", f.path("submission").asText(), f.path("reason").asText());
        }
        StringBuilder devices = new StringBuilder();
        d.path("renders").forEach(r -> {
            String who = r.path("worker").asText() + " (" + r.path("device").asText() + ")";
            if (devices.indexOf(who) < 0) {
                devices.append(devices.length() == 0 ? "" : ", ").append(who);
            }
        });
        if (devices.length() > 0) {
            out.printf("  rendered by %s%n", devices);
        }
        out.printf("verdict %s: %s%n", d.path("verdict").isNull() ? d.path("status").asText() : d.path("verdict").asText(), d.path("reason").asText());
        out.flush();
    }
}
