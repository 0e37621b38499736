package io.ftvalidator.cli;

import io.ftvalidator.engine.EngineException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/** The {@code ftval} command line. Errors are one line on stderr and a non-zero exit code. */
@Command(
        name = "ftval",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        version = "ftval 0.1.0",
        description = "Decides whether fine-tuned Stable Diffusion models are the same model.",
        subcommands = {HashCommand.class, RenderCommand.class, CompareCommand.class, DigestCommand.class, ExportCommand.class,
            DemoCommand.class, ClusterCommand.class, SubmitCommand.class, StatusCommand.class, BenchCommand.class})
public final class Ftval {

    /** Exit code of a failure the user can act on (bad model, bad file). */
    public static final int FAILED = 1;
    /** Exit code of a command line picocli cannot parse. */
    public static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line, printing to the given writers; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Ftval());
        cli.setOut(out);
        cli.setErr(err);
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

    static String oneLine(Throwable e) {
        if (e instanceof EngineException || e instanceof IllegalArgumentException) {
            return e.getMessage();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
