package io.ftvalidator.worker.job;

import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.worker.WorkerConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Fault injection for the cluster tests, inert unless {@code ftval.worker.test.*} is set: a slow
 * render (to outlive several lock periods, or to be killed mid-job) and a crash (the JVM halts on
 * the render thread, as an out-of-memory kill or a native fault would: nothing is released).
 */
final class TestHooks {

    private static final Logger LOG = Logger.getLogger(TestHooks.class);

    /** The exit status of a halt, for the tests to recognise. */
    static final int HALT_STATUS = 86;

    private final Optional<String> slowPrompt;
    private final Duration slowRender;
    private final Optional<String> haltPrompt;

    TestHooks(WorkerConfig.Test config) {
        this.slowPrompt = config.slowPrompt().filter(s -> !s.isEmpty());
        this.slowRender = config.slowRender();
        this.haltPrompt = config.haltPrompt().filter(s -> !s.isEmpty());
        if (slowPrompt.isPresent() || haltPrompt.isPresent()) {
            LOG.warnf("test hooks on: renders of prompts with '%s' take %s more, prompts with '%s' halt this worker",
                    slowPrompt.orElse(""), slowRender, haltPrompt.orElse(""));
        }
    }

    /** Runs on the render thread, before the job's render. */
    void beforeRender(RenderJob job) {
        if (haltPrompt.isPresent() && job.getPrompt().contains(haltPrompt.get())) {
            LOG.errorf("test hook: image %d halts this worker", job.getImageIndex());
            Runtime.getRuntime().halt(HALT_STATUS);
        }
        if (slowPrompt.isPresent() && job.getPrompt().contains(slowPrompt.get())) {
            try {
                TimeUnit.MILLISECONDS.sleep(slowRender.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
