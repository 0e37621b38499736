package io.ftvalidator.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code --quiet}: no progress bar (there is none anyway when stderr is not a terminal, or with {@code --json}). */
final class ProgressOptions {

    @Option(names = {"-q", "--quiet"}, description = "no progress bar on stderr (there is none when stderr is no terminal, or with --json)")
    boolean quiet;

    Progress start(PrintWriter err, boolean json, int total, String unit) {
        return Progress.of(err, !quiet && !json, total, unit);
    }
}
