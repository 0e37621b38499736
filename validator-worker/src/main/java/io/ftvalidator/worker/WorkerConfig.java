package io.ftvalidator.worker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of a worker, declared once ({@code ftval.worker.*}; Kafka client settings are
 * {@code kafka.*}). deploy/README.md lists them for operators.
 */
@ConfigMapping(prefix = "ftval.worker")
public interface WorkerConfig {

    /** How scores name this worker; default: host name and process id. */
    Optional<String> id();

    /** {@code auto} (the first GPU, else the CPU), {@code cpu}, {@code gpu} or {@code gpu:N}. */
    @WithDefault("auto")
    String device();

    /** {@code float32} or {@code float16}; recorded in every score. */
    @WithDefault("float32")
    String precision();

    /** Engine threads; 0: every core. A render's bits depend on it: keep it fixed per machine type. */
    @WithDefault("0")
    int threads();

    /** Renders at once; 0: one on a CPU, on a GPU as many as the measured memory per slot allows. */
    @WithDefault("0")
    int slots();

    /** Loaded base models kept, in MB of module files, over all slots. */
    @WithDefault("8192")
    long modelMemoryMb();

    /**
     * Merged LoRA weights kept, in MB, per loaded base and over all slots: a validation's jobs take turns
     * between its submissions, and a submission whose merged weights are kept is not merged again. 0 keeps none.
     */
    @WithDefault("1024")
    long loraMemoryMb();

    /** Downloaded models and extracted bundles, by digest. */
    Path cacheDir();

    /** The longest one model download may take, from the request to the body's last byte. */
    @WithDefault("PT10M")
    Duration fetchTimeout();

    Fetch fetch();

    Gpu gpu();

    Jobs jobs();

    Renders renders();

    Test test();

    /** The rendered images published for people to look at (topic ftval.renders, the coordinator's web view). */
    interface Renders {

        /** Whether to publish them; off, the web view shows distances without images. */
        @WithDefault("true")
        boolean publish();

        /**
         * The longest side of a published image, in pixels (16 to 512): a larger render is
         * downscaled, a smaller one published as it is. 512 keeps every record under Avro's 1 MiB
         * bound on a byte field.
         */
        @WithDefault("256")
        int maxSide();
    }

    /** What may be fetched, from where, how much (docs/security.md). */
    interface Fetch {

        /** Fetch {@code http:} models too (https only by default). */
        @WithDefault("false")
        boolean allowHttp();

        /** Read {@code file:} models named by requests (a local cluster, the command line); bases of the allow-list always may be. */
        @WithDefault("false")
        boolean allowFile();

        /** Hosts a submitted model may come from, exact or {@code *.suffix}; none: any host with a public address. */
        Optional<List<String>> hosts();

        /** Networks (CIDR) a model may come from although private or loopback: an operator's own model store. */
        Optional<List<String>> allowedNetworks();

        /** The largest submitted model, in bytes (LoRA weights are tens to hundreds of MB). */
        @WithDefault("1073741824")
        long maxSubmissionBytes();

        /** The largest base bundle of the allow-list, in bytes. */
        @WithDefault("17179869184")
        long maxBaseBytes();

        /** Redirects followed, each one checked like the first address. */
        @WithDefault("5")
        int maxRedirects();

        /** Downloads kept on disk, in bytes; the least recently used go first. */
        @WithDefault("21474836480")
        long cacheBytes();
    }

    /** How the render slots of a GPU are counted. */
    interface Gpu {

        /**
         * A bundle (directory or zip) rendered once at start-up to measure one slot's memory
         * (model, LoRA originals, activations); without it a GPU runs one slot unless
         * {@code ftval.worker.slots} says otherwise.
         */
        Optional<Path> probeModel();

        /** The share of the card's memory the slots may fill. */
        @WithDefault("0.9")
        double memoryShare();

        @WithDefault("8")
        int maxSlots();
    }

    /** How render jobs are taken from the share group (docs/topics.md). */
    interface Jobs {

        /** The workers' share group. */
        @WithDefault("ftval-workers")
        String group();

        /** Set the group's configuration below at start (idempotent); off where operators manage it. */
        @WithDefault("true")
        boolean configureGroup();

        /** Deliveries of a job before it is given up (share.delivery.count.limit, 2 to 10 on a default broker). */
        @WithDefault("5")
        int deliveryLimit();

        /** How long a delivered job stays locked to its worker without renewal (share.record.lock.duration.ms). */
        @WithDefault("PT30S")
        Duration lockDuration();

        /** Pause of a slot after its job failed on this worker's account, doubled per failure in a row. */
        @WithDefault("PT5S")
        Duration failureBackoff();

        /** The longest such pause. */
        @WithDefault("PT5M")
        Duration maxFailureBackoff();
    }

    /** Fault injection for the cluster tests; never set in a deployment. */
    interface Test {

        /** Renders of a job whose prompt contains this text are held for {@link #slowRender()}. */
        Optional<String> slowPrompt();

        @WithDefault("PT0S")
        Duration slowRender();

        /** A job whose prompt contains this text halts the worker's JVM, as a crash would. */
        Optional<String> haltPrompt();
    }
}
