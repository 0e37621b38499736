package io.ftvalidator.cli;

import io.ftvalidator.engine.EngineSetup;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * Where this process's library logs go (SLF4J to java.util.logging). Quiet by default: stderr
 * shows warnings of the libraries the command line uses directly, libtorch only its errors, and
 * the embedded Kafka broker writes to its own file ({@link #kafkaTo}). {@code -v} shows them all
 * on stderr: the libraries from INFO, libtorch from WARNING, the broker besides its file.
 */
final class CliLogging {

    /** Loggers of the embedded broker and of the Kafka clients in this process. */
    private static final List<String> KAFKA = List.of("kafka", "org.apache.kafka", "state.change.logger");

    private static boolean verbose;
    private static Handler kafkaFile;
    // java.util.logging holds loggers weakly: keep the configured ones
    private static final Set<Logger> CONFIGURED = new HashSet<>();

    private CliLogging() {}

    /** Console logging for a quiet or a verbose run; call before any library logs or loads libtorch. */
    static synchronized void configure(boolean verboseRun) {
        verbose = verboseRun;
        LogManager.getLogManager().reset(); // closes every handler, the broker's file too
        kafkaFile = null;
        Logger root = Logger.getLogger("");
        Handler console = new ConsoleHandler(); // stderr
        console.setFormatter(new OneLine());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(verbose ? Level.INFO : Level.WARNING);
        // DJL looks for CUDA on every start and warns when there is none: not news on a CPU machine
        keep("ai.djl.util.cuda").setLevel(verbose ? Level.INFO : Level.SEVERE);
        if (System.getProperty(EngineSetup.TORCH_LOG_LEVEL) == null) {
            System.setProperty(EngineSetup.TORCH_LOG_LEVEL, verbose ? "WARNING" : "ERROR");
        }
    }

    /**
     * The broker's and Kafka clients' logs, from INFO, go to {@code file} (instead of the previous
     * cluster's, for a command that starts several); on stderr only with {@code -v}.
     */
    static synchronized void kafkaTo(Path file) {
        if (kafkaFile != null) {
            KAFKA.forEach(name -> Logger.getLogger(name).removeHandler(kafkaFile));
            kafkaFile.close();
        }
        try {
            StreamHandler handler = new StreamHandler(new FileOutputStream(file.toFile(), true), new OneLine()) {
                @Override
                public synchronized void publish(LogRecord record) {
                    super.publish(record);
                    flush();
                }
            };
            handler.setLevel(Level.ALL);
            kafkaFile = handler;
            for (String name : KAFKA) {
                Logger logger = keep(name);
                logger.setLevel(Level.INFO);
                logger.addHandler(handler);
                logger.setUseParentHandlers(verbose);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the broker's log " + file, e);
        }
    }

    private static Logger keep(String name) {
        Logger logger = Logger.getLogger(name);
        CONFIGURED.add(logger);
        return logger;
    }

    /** {@code 12:00:00.000 WARN  logger: message}, and the stack trace if any. */
    private static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            String level = switch (r.getLevel().getName()) {
                case "SEVERE" -> "ERROR";
                case "WARNING" -> "WARN ";
                case "INFO" -> "INFO ";
                default -> "DEBUG";
            };
            StringBuilder line = new StringBuilder(String.format("%1$tT.%1$tL %2$s %3$s: %4$s%n",
                    r.getMillis(), level, r.getLoggerName(), formatMessage(r)));
            if (r.getThrown() != null) {
                java.io.StringWriter trace = new java.io.StringWriter();
                r.getThrown().printStackTrace(new java.io.PrintWriter(trace));
                line.append(trace);
            }
            return line.toString();
        }
    }
}
