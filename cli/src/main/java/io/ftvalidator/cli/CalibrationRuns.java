package io.ftvalidator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.calibration.Run;
import io.ftvalidator.engine.hash.PerceptualHash;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calibration runs saved as JSON: a {@code ./ftval compare --json} report (one run: its seed and
 * every submission's hashes), a file of {@code tools/calibrate_reference.py} (the same shape), or a
 * {@code ./ftval calibrate --json} report (its {@code runs}). Submissions with an error or without
 * hashes are left out.
 */
final class CalibrationRuns {

    private CalibrationRuns() {}

    static List<Run> read(Path file) throws IOException {
        JsonNode root;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            root = CoordinatorClient.JSON.readTree(in);
        }
        String name = file.getFileName().toString();
        List<Run> out = new ArrayList<>();
        if (root.has("runs")) {
            for (JsonNode run : root.path("runs")) {
                out.add(run(run, name + "#" + run.path("seed").asText()));
            }
        } else if (root.has("submissions")) {
            out.add(run(root, name));
        } else {
            throw new IllegalArgumentException(file + ": neither a compare report (submissions) nor a calibration report (runs)");
        }
        return out;
    }

    private static Run run(JsonNode run, String name) {
        Map<String, long[]> hashes = new LinkedHashMap<>();
        for (JsonNode s : run.path("submissions")) {
            JsonNode h = s.path("hashes");
            if (!s.path("error").isTextual() && h.isArray() && !h.isEmpty()) {
                long[] values = new long[h.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = PerceptualHash.fromHex(h.get(i).asText());
                }
                hashes.put(s.path("id").asText(), values);
            }
        }
        return new Run(name, run.path("seed").asText(), hashes);
    }
}
