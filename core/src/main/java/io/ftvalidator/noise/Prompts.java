package io.ftvalidator.noise;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The prompt of each image of a validation: the given prompts in turn, or drawn from a pool with
 * the validation seed by the portable generator (docs/rendering.md, prompt draw).
 */
public final class Prompts {

    private Prompts() {}

    /** Image i's prompt is {@code given[i mod n]} when prompts are given, else its draw from {@code pool}. */
    public static List<String> forImages(List<String> given, List<String> pool, long seed, int images) {
        List<String> out = new ArrayList<>(images);
        for (int i = 0; i < images; i++) {
            out.add(given.isEmpty() ? pool.get(PortableNoise.promptChoice(seed, i, pool.size())) : given.get(i % given.size()));
        }
        return out;
    }

    /** A prompt file: one prompt per line, surrounding blanks stripped, empty lines skipped. */
    public static List<String> read(Path file) throws IOException {
        return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
