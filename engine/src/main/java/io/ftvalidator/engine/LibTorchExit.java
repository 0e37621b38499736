package io.ftvalidator.engine;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps libtorch's work and the JVM's exit apart. When the JVM exits (SIGTERM, Ctrl-C,
 * {@code System.exit}) it runs the C library's {@code exit()}, which destroys libtorch's static
 * state (oneDNN's primitive cache, the CUDA hooks registry) while a thread that is inside a native
 * call goes on running: a render killed mid-convolution died with SIGSEGV in
 * {@code dnnl_primitive_execute} or {@code ConvParams::use_cudnn} and an hs_err file instead of a
 * plain exit (reproduced by {@code ExitWhileRenderingTest}).
 *
 * <p>Work on libtorch runs inside {@link #work}; a shutdown hook, registered by {@link #install}, lets
 * the exit go on only once no thread is inside (at most {@link #WAIT}). The command line installs
 * it: Ctrl-C stops a render at its next step. The worker does not: its graceful shutdown lets the
 * jobs in progress finish and be acknowledged (ftval.worker shutdown waits), which stopping them
 * here would undo; without the hook {@link #work} only counts. A thread that reaches
 * {@link #work} or a {@link #checkpoint} while the JVM exits stops there for good (the process is
 * going away; nothing it would compute could be used); {@link #cleanUp} skips freeing and
 * restoring then, so that a shutdown hook closing models never waits on a stopped thread.
 */
public final class LibTorchExit {

    /** The longest the exit waits for native work in progress. */
    public static final Duration WAIT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(LibTorchExit.class);
    private static final Object LOCK = new Object();
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final CountDownLatch NEVER = new CountDownLatch(1);
    private static int inside;
    private static boolean exiting;
    private static boolean hooked;

    private LibTorchExit() {}

    /** Registers the shutdown hook once (the command line's main, before any engine use). */
    public static void install() {
        synchronized (LOCK) {
            if (hooked) {
                return;
            }
            hooked = true;
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(LibTorchExit::awaitWork, "libtorch-exit"));
            } catch (IllegalStateException alreadyExiting) {
                exiting = true;
            }
        }
    }

    /** Runs {@code call} as native work the exit waits for; nested calls count once. */
    public static <T> T work(Supplier<T> call) {
        int[] depth = DEPTH.get();
        if (depth[0] == 0) {
            boolean stop;
            synchronized (LOCK) {
                stop = exiting;
                if (!stop) {
                    inside++;
                }
            }
            if (stop) {
                stopForGood();
            }
        }
        depth[0]++;
        try {
            return call.get();
        } finally {
            if (depth[0] > 0 && --depth[0] == 0) {
                leave();
            }
        }
    }

    /** {@link #work} without a result. */
    public static void run(Runnable call) {
        work(() -> {
            call.run();
            return null;
        });
    }

    /** Between two pieces of work: while the JVM exits, the calling thread leaves its work and stops here. */
    public static void checkpoint() {
        int[] depth = DEPTH.get();
        synchronized (LOCK) {
            if (!exiting) {
                return;
            }
        }
        if (depth[0] > 0) {
            depth[0] = 0;
            leave();
        }
        stopForGood();
    }

    /**
     * Frees or restores native state, unless the JVM exits: the process's memory goes with it, the
     * model will not be used again, and a thread stopped for good may hold what this would wait for.
     */
    public static void cleanUp(Runnable release) {
        synchronized (LOCK) {
            if (exiting) {
                return;
            }
        }
        run(release);
    }

    /** Whether the JVM has begun to exit. */
    public static boolean exiting() {
        synchronized (LOCK) {
            return exiting;
        }
    }

    private static void leave() {
        synchronized (LOCK) {
            inside--;
            LOCK.notifyAll();
        }
    }

    private static void awaitWork() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (LOCK) {
            exiting = true;
            while (inside > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("exiting with {} libtorch call(s) still running after {} s", inside, WAIT.toSeconds());
                    return;
                }
                try {
                    LOCK.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void stopForGood() {
        while (true) {
            try {
                NEVER.await();
            } catch (InterruptedException e) {
                // the JVM is exiting: an interrupt changes nothing
            }
        }
    }
}
