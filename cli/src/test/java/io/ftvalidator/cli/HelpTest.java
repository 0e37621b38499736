package io.ftvalidator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every command's --help answers with its usage and the exit codes, and exits 0, however many required options it has. */
class HelpTest {

    /** Every command, as typed after {@code ftval}: {@code ""}, {@code "compare"}, {@code "bench render"}... */
    static Stream<String> commands() {
        List<String> out = new ArrayList<>();
        collect(new CommandLine(new Ftval()), "", out);
        return out.stream();
    }

    private static void collect(CommandLine command, String path, List<String> out) {
        out.add(path);
        command.getSubcommands().forEach((name, sub) -> collect(sub, (path + " " + name).strip(), out));
    }

    @ParameterizedTest(name = "ftval {0} --help")
    @MethodSource("commands")
    void shouldPrintUsageAndExitCodesAndExitZero(String command) {
        List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        args.add("--help");
        CommandLineErrorsTest.Run run = CommandLineErrorsTest.ftval(args.toArray(String[]::new));
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).startsWith(("Usage: ftval " + command).strip() + " ")
                .contains("-h, --help")
                .contains("Exit codes:")
                .contains("3   with --exit-code: a submission is an outlier (OUTLIER)");
        assertThat(run.err()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void shouldShowCoresDefaultsAndKeepACommandsOwn() {
        String compare = CommandLineErrorsTest.ftval("compare", "--help").out();
        assertThat(compare).contains("inference steps (default: 30)").contains("images per model (default: " + io.ftvalidator.validation.Defaults.IMAGES + ")")
                .contains("mean or every-image (default: mean)");
        assertThat(CommandLineErrorsTest.ftval("submit", "--help").out()).contains("INCONCLUSIVE (default: 600)");
        // the demo and the cluster benchmark choose their own image counts
        assertThat(CommandLineErrorsTest.ftval("demo", "--help").out()).contains("images per submission (default: 8)");
        assertThat(CommandLineErrorsTest.ftval("bench", "cluster", "--help").out()).contains("images per submission (default: 16)");
    }

    @org.junit.jupiter.api.Test
    void shouldListEveryCommand() {
        assertThat(commands()).contains("compare", "submit", "status", "demo", "cluster", "render", "hash", "digest", "bench render", "bench cluster");
    }
}
