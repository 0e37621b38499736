package io.ftvalidator.cli;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.LibTorchExit;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/** The {@code ftval} command line. Errors are one line on stderr and a non-zero exit code. */
@Command(
        name = "ftval",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        version = "ftval 0.1.0",
        description = "Decides whether fine-tuned Stable Diffusion models are the same model.",
        defaultValueProvider = CliDefaults.class,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done; with --exit-code, the submissions agree (AGREED)",
            "1:an error, named on stderr (a file, a model, a submission that cannot be rendered, the coordinator)",
            "2:the command line cannot be parsed",
            "3:with --exit-code: a submission is an outlier (OUTLIER)",
            "4:with --exit-code: no agreement (NO_CONSENSUS, INCONCLUSIVE or REJECTED)",
            "5:status --exit-code: not decided yet (PENDING)"},
        subcommands = {HashCommand.class, RenderCommand.class, CompareCommand.class, CalibrateCommand.class, DigestCommand.class, ExportCommand.class,
            DemoCommand.class, ClusterCommand.class, SubmitCommand.class, StatusCommand.class, BenchCommand.class, ApiKeyCommand.class})
public final class Ftval {

    /** Exit code of a failure the user can act on (bad model, bad file). */
    public static final int FAILED = 1;
    /** Exit code of a command line picocli cannot parse. */
    public static final int USAGE = 2;
    /** With {@code --exit-code}: the verdict names an outlier. */
    public static final int OUTLIER = 3;
    /** With {@code --exit-code}: no group agrees (no consensus, inconclusive, rejected). */
    public static final int NO_AGREEMENT = 4;
    /** {@code status --exit-code}: not decided yet. */
    public static final int PENDING = 5;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "also show the libraries' messages on stderr: libtorch's warnings, the embedded Kafka broker's log")
    boolean verbose;

    public static void main(String[] args) {
        LibTorchExit.install(); // Ctrl-C stops a render at its next step, not inside libtorch
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line, printing to the given writers; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Ftval());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(parsed -> {
            CliLogging.configure(verbose(parsed));
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("ftval: " + oneLine(e));
            if ("1".equals(System.getenv("FTVAL_TRACE"))) {
                e.printStackTrace(commandLine.getErr());
            }
            return FAILED;
        });
        cli.setParameterExceptionHandler((e, argv) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("ftval: " + e.getMessage());
            c.getErr().println("try: " + c.getCommandSpec().qualifiedName() + " --help");
            return USAGE;
        });
        return cli.execute(args);
    }

    /** Whether -v was given, before or after a subcommand's name. */
    private static boolean verbose(ParseResult parsed) {
        return parsed.asCommandLineList().stream().anyMatch(c -> c.getParseResult().hasMatchedOption("--verbose"));
    }

    /** The exit code of a verdict under {@code --exit-code}. */
    static int exitCode(String verdict) {
        return switch (verdict) {
            case "AGREED" -> 0;
            case "OUTLIER" -> OUTLIER;
            default -> NO_AGREEMENT;
        };
    }

    static String oneLine(Throwable e) {
        if (e instanceof EngineException || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        if (e instanceof java.nio.file.NoSuchFileException missing) {
            return missing.getFile() + ": no such file";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
