package io.ftvalidator.cli;

import com.sun.jna.Function;
import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr, redrawn in place: {@code [#####.....] 12/24 images honest-2}.
 * Drawn only when stderr is a terminal and the command was not asked for {@code --json} or
 * {@code --quiet}, so pipes, logs and scripts never see it.
 */
final class Progress implements AutoCloseable {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean on;
    private final String unit;
    private int total;
    private int done;
    private int lastLength;

    private Progress(PrintWriter err, boolean on, int total, String unit) {
        this.err = err;
        this.on = on;
        this.total = total;
        this.unit = unit;
    }

    /** A bar of {@code total} {@code unit}s, drawn when {@code wanted} and stderr is a terminal. */
    static Progress of(PrintWriter err, boolean wanted, int total, String unit) {
        Progress p = new Progress(err, wanted && stderrIsTerminal(), total, unit);
        p.draw("");
        return p;
    }

    /** One more done, with what is being worked on next. */
    void step(String what) {
        done++;
        draw(what);
    }

    /** Progress known from elsewhere (a coordinator's status), and a new total if it changed. */
    void set(int doneNow, int totalNow, String what) {
        done = doneNow;
        total = totalNow;
        draw(what);
    }

    private void draw(String what) {
        if (!on) {
            return;
        }
        int filled = total == 0 ? 0 : Math.min(WIDTH, done * WIDTH / total);
        String line = String.format("  [%s%s] %d/%d %s  %s", "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, unit, what);
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
    }

    /** Clears the bar, leaving the line as it was. */
    @Override
    public void close() {
        if (on && lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            err.flush();
        }
    }

    /** isatty(2) through libc (JNA comes with the engine); where that cannot be asked, whether there is a console. */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            return Function.getFunction("c", "isatty").invokeInt(new Object[] {2}) == 1;
        } catch (RuntimeException | LinkageError e) {
            return System.console() != null;
        }
    }
}
