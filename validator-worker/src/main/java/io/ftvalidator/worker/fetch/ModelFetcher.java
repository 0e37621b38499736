package io.ftvalidator.worker.fetch;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.validation.Bases;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Turns a model URI into a local file checked against its digest, within the {@link FetchPolicy}
 * (docs/security.md):
 *
 * <ul>
 *   <li>{@code https:} always; {@code http:} and {@code file:} only when the operator allows them
 *       ({@code file:} bases of the allow-list always: the operator wrote them);
 *   <li>a submission's host must be on the host allow-list when there is one; every address a host
 *       resolves to must be public (or in a network the operator exempts), checked again on each
 *       redirect, which is followed here, at most {@code maxRedirects} times (the JDK client
 *       follows none itself). The JVM caches a lookup for 30 s, so the client connects to the
 *       address that was checked;
 *   <li>the body is capped in bytes as it comes, and the whole download, body included, has a
 *       deadline;
 *   <li>a download lands in a partial file and takes its place in the cache only once its digest
 *       matches; the cache is bounded ({@link DownloadCache}).
 * </ul>
 *
 * <p>Whose fault a failure is (the blame rules of docs/security.md): a submitted model that is
 * refused, missing, too large, of another digest or not answered by a server of the submitter's
 * own is that submission's fault; a host the operator listed failing (its trouble is everyone's),
 * this machine's disk, and anything about a base of the allow-list are the worker's. Messages name
 * URIs, answers and digests for the worker's log; requesters see only the error's kind.
 */
public final class ModelFetcher {

    private static final Logger LOG = Logger.getLogger(ModelFetcher.class);
    private static final int ATTEMPTS = 3;

    /** The {@code reason} tags of {@code ftval.worker.fetch.failures}: the failure's kind. */
    private static final Kind[] FAILURES = {Kind.BAD_INPUT, Kind.NOT_ALLOWED, Kind.NOT_FOUND, Kind.TOO_LARGE, Kind.DIGEST_MISMATCH, Kind.FETCH_FAILED};

    private final FetchPolicy policy;
    private final DownloadCache cache;
    private final HttpClient http;
    private final MeterRegistry metrics;
    private final Counter bytes;
    private final Timer time;
    private final Counter cached;

    /**
     * Metrics: {@code ftval.worker.fetch.bytes} and {@code ftval.worker.fetch.duration} of completed
     * downloads, {@code ftval.worker.fetch.failures{reason}} (the failure's kind),
     * {@code ftval.worker.fetch.cached} (a download found in the cache).
     */
    public ModelFetcher(FetchPolicy policy, Path cacheDir, MeterRegistry metrics) {
        this.policy = policy;
        this.cache = new DownloadCache(cacheDir, policy.cacheBytes());
        this.metrics = metrics;
        this.bytes = Counter.builder("ftval.worker.fetch.bytes").baseUnit("bytes").description("bytes of models downloaded and verified")
                .register(metrics);
        this.time = Timer.builder("ftval.worker.fetch.duration").description("time of each completed model download, verification included")
                .publishPercentileHistogram().register(metrics);
        for (Kind kind : FAILURES) {
            failures(kind); // at 0 from the start, for rates and alerts
        }
        this.cached = metrics.counter("ftval.worker.fetch.cached");
        this.http = HttpClient.newBuilder()
                .connectTimeout(policy.deadline().compareTo(Duration.ofSeconds(10)) < 0 ? policy.deadline() : Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A submitted model (LoRA weights, or a bundle where bundles are allowed): the submission's fault if it cannot be had. */
    public ModelRef submission(String uri, String sha256) {
        return fetch(uri, sha256, policy.maxSubmissionBytes(), false);
    }

    /** A base of the operator's allow-list: never a submission's fault. */
    public ModelRef base(Bases.Base base) {
        try {
            return fetch(base.uri(), base.sha256(), policy.maxBaseBytes(), true);
        } catch (EngineException e) {
            throw new EngineException(e.kind(), "base " + base.name() + " of the allow-list: " + e.getMessage(), false, e);
        }
    }

    private ModelRef fetch(String uri, String sha256, long cap, boolean operatorSource) {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new EngineException(Kind.BAD_INPUT, uri + ": the expected sha256 must be 64 lower-case hex digits");
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new EngineException(Kind.BAD_INPUT, "'" + uri + "' is not a URI");
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "file" -> {
                if (!policy.allowFile() && !operatorSource) {
                    throw new EngineException(Kind.NOT_ALLOWED, uri + ": file: models are not fetched (ftval.worker.fetch.allow-file)");
                }
                return new ModelRef(Path.of(parsed), Optional.of(sha256));
            }
            case "http", "https" -> {
                return new ModelRef(counted(parsed, sha256, cap, operatorSource), Optional.of(sha256));
            }
            default -> throw new EngineException(Kind.NOT_ALLOWED, uri + ": only https:" + (policy.allowHttp() ? ", http:" : "")
                    + (policy.allowFile() ? " and file:" : "") + " models are fetched");
        }
    }

    private Counter failures(Kind kind) {
        return metrics.counter("ftval.worker.fetch.failures", "reason", kind.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /** The cached file, or {@link #download}: counted as a cache hit, or the bytes and time of a completed download, or the failure's kind. */
    private Path counted(URI uri, String sha256, long cap, boolean operatorSource) {
        Path target = cache.entry(sha256, fileName(uri));
        if (Files.isRegularFile(target)) {
            cache.touch(target);
            cached.increment();
            return target;
        }
        long started = System.nanoTime();
        try {
            Path fetched = download(uri, target, sha256, cap, operatorSource);
            time.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            bytes.increment(fetched.toFile().length());
            return fetched;
        } catch (EngineException e) {
            failures(e.kind()).increment();
            throw e;
        }
    }

    /** Downloads into the cache entry {@code target} (not there yet), verified against {@code sha256}. */
    private Path download(URI uri, Path target, String sha256, long cap, boolean operatorSource) {
        String name = target.getFileName().toString();
        long deadline = System.nanoTime() + policy.deadline().toNanos();
        Path partial;
        try {
            Files.createDirectories(target.getParent());
            // the partial file ends with the model's own name: its kind (.zip bundle, LoRA file) is read from it
            partial = Files.createTempFile(target.getParent(), DownloadCache.PARTIAL, "-" + name);
        } catch (IOException e) {
            throw new EngineException(Kind.FETCH_FAILED, uri + ": the download cache cannot be written: " + e.getMessage(), false, e);
        }
        try {
            for (int attempt = 1; ; attempt++) {
                try {
                    get(uri, partial, cap, deadline, operatorSource);
                    break;
                } catch (Retryable e) {
                    long left = deadline - System.nanoTime();
                    if (attempt >= ATTEMPTS || left < TimeUnit.SECONDS.toNanos(attempt)) {
                        throw failed(uri, e.getMessage() + " (" + attempt + " attempt" + (attempt > 1 ? "s" : "") + ")",
                                e.host, operatorSource, e.getCause());
                    }
                    LOG.infof("%s: %s; trying again", uri, e.getMessage());
                    TimeUnit.SECONDS.sleep(attempt);
                }
            }
            String actual = Verified.digestOf(partial);
            if (!actual.equals(sha256)) {
                throw new EngineException(Kind.DIGEST_MISMATCH, uri + ": sha256 is " + actual + ", expected " + sha256);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            cache.touch(target);
            cache.trim();
            return target;
        } catch (IOException e) {
            // writing or moving our own file: this machine's trouble
            throw new EngineException(Kind.FETCH_FAILED, uri + ": the download could not be stored: " + e.getMessage(), false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(Kind.FETCH_FAILED, uri + ": download interrupted", false, e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                LOG.warnf("%s could not be removed: %s", partial, e.getMessage());
            }
        }
    }

    /** A failure another attempt may cure: a server error, a connection that failed. */
    private static final class Retryable extends Exception {
        final String host;

        Retryable(String message, String host, Throwable cause) {
            super(message, cause);
            this.host = host;
        }
    }

    /** Follows the URI and its redirects, each one checked, until a 200 whose body is written to {@code partial}. */
    private void get(URI start, Path partial, long cap, long deadline, boolean operatorSource)
            throws Retryable, InterruptedException, IOException {
        URI uri = start;
        for (int hop = 0; ; hop++) {
            String host = check(uri, operatorSource);
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw failed(start, "the download did not finish within " + policy.deadline().toSeconds() + " s", host, operatorSource, null);
            }
            AtomicReference<CappedFile> body = new AtomicReference<>();
            CompletableFuture<HttpResponse<Path>> sent = http.sendAsync(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(left)).GET().build(),
                    info -> {
                        if (info.statusCode() != 200) {
                            return HttpResponse.BodySubscribers.replacing((Path) null);
                        }
                        CappedFile file = new CappedFile(partial, cap, info.headers().firstValueAsLong("Content-Length").orElse(-1));
                        body.set(file);
                        return file;
                    });
            HttpResponse<Path> response;
            try {
                response = sent.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                sent.cancel(true);
                if (body.get() != null) {
                    body.get().abort();
                }
                throw failed(start, "the download did not finish within " + policy.deadline().toSeconds() + " s", host, operatorSource, e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof CappedFile.TooLarge) {
                    throw new EngineException(Kind.TOO_LARGE, start + ": the model is " + cause.getMessage() + ", more than this"
                            + " worker fetches", !operatorSource, cause);
                }
                if (cause instanceof java.net.http.HttpTimeoutException) {
                    throw failed(start, "the download did not finish within " + policy.deadline().toSeconds() + " s", host,
                            operatorSource, cause);
                }
                throw new Retryable((uri.equals(start) ? "" : uri + ": ") + "no answer: " + cause, host, cause);
            }
            int status = response.statusCode();
            if (status == 200) {
                return;
            }
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                if (hop >= policy.maxRedirects()) {
                    throw new EngineException(Kind.NOT_ALLOWED, start + ": redirected more than " + policy.maxRedirects() + " times",
                            !operatorSource, null);
                }
                URI next;
                try {
                    next = uri.resolve(response.headers().firstValue("Location").get());
                } catch (IllegalArgumentException e) {
                    throw new EngineException(Kind.NOT_ALLOWED, start + ": redirected to a malformed location", !operatorSource, e);
                }
                LOG.debugf("%s redirects to %s", uri, next);
                uri = next;
                continue;
            }
            if (status == 404 || status == 410) {
                throw new EngineException(Kind.NOT_FOUND, uri + ": the server has no such model (HTTP " + status + ")", !operatorSource, null);
            }
            if (status >= 500 || status == 408 || status == 429) {
                throw new Retryable((uri.equals(start) ? "" : uri + ": ") + "HTTP " + status, host, null);
            }
            throw new EngineException(Kind.FETCH_FAILED, uri + ": HTTP " + status, !operatorSource, null);
        }
    }

    /**
     * The host of {@code uri} if the policy lets the worker fetch from it: scheme, host allow-list,
     * and every address the host resolves to.
     */
    private String check(URI uri, boolean operatorSource) throws Retryable {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean fault = !operatorSource;
        if (!scheme.equals("https") && !(scheme.equals("http") && (policy.allowHttp() || operatorSource))) {
            throw new EngineException(Kind.NOT_ALLOWED, uri + ": " + scheme + ": is not fetched"
                    + (scheme.equals("http") ? " (https only; ftval.worker.fetch.allow-http)" : ""), fault, null);
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new EngineException(Kind.NOT_ALLOWED, uri + ": no host", fault, null);
        }
        if (!operatorSource && !policy.hostAllowed(host)) {
            throw new EngineException(Kind.NOT_ALLOWED, uri + ": host " + host + " is not on the allow-list", true, null);
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new Retryable("host " + host + " is unknown", host, e);
        }
        for (InetAddress a : addresses) {
            String refusal = Addresses.refusal(a, policy.allowedNetworks());
            if (refusal != null) {
                throw new EngineException(Kind.NOT_ALLOWED, uri + ": host " + host + " is " + refusal + " (" + a.getHostAddress()
                        + "): models are fetched from public addresses only", fault, null);
            }
        }
        return host;
    }

    /** A download that failed: the submitter's fault, unless the host is one the operator listed or the model its own. */
    private EngineException failed(URI uri, String why, String host, boolean operatorSource, Throwable cause) {
        boolean fleetWide = operatorSource || (host != null && policy.operatorHost(host));
        return new EngineException(Kind.FETCH_FAILED, uri + ": " + why, !fleetWide, cause);
    }

    private static String fileName(URI uri) {
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/model" : uri.getPath();
        String name = Path.of(path).getFileName() == null ? "model" : Path.of(path).getFileName().toString();
        // a name is only a hint of the kind (.safetensors, .zip): never a path, never hidden
        name = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() || name.startsWith(".") ? "model" + name : name;
    }
}
