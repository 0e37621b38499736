package io.ftvalidator.calibration;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One calibration run: every submission's image hashes under one seed and prompt set, rendered on
 * one device (as one worker renders every submission of an image).
 *
 * @param name where the run comes from (a file, a seed), for labels
 * @param hashes each submission's hashes, in image order; failed submissions are left out
 */
public record Run(String name, String seed, Map<String, long[]> hashes) {

    public Run {
        Map<String, long[]> copy = new LinkedHashMap<>();
        hashes.forEach((id, h) -> copy.put(id, h.clone()));
        hashes = java.util.Collections.unmodifiableMap(copy);
    }

    public List<String> submissions() {
        return List.copyOf(hashes.keySet());
    }
}
