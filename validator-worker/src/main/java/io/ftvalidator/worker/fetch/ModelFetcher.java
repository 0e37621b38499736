package io.ftvalidator.worker.fetch;

import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.engine.bundle.ModelRef;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Turns a submission's model URI into a local path with its expected digest. {@code file:} URIs
 * are used in place; {@code http(s):} downloads land in the cache under their digest, checked
 * (as {@link Verified#digestOf} defines it) before they are kept, so a model is downloaded once
 * per worker.
 */
public final class ModelFetcher {

    private final Path cache;
    private final HttpClient http;
    private final Duration timeout;
    private final MeterRegistry metrics;
    private final Counter bytes;
    private final Timer time;

    /**
     * Metrics: {@code ftval.worker.fetch.bytes} and {@code ftval.worker.fetch.duration} of completed
     * downloads, {@code ftval.worker.fetch.failures{reason}}, {@code ftval.worker.fetch.cached} (a
     * download found in the cache).
     */
    public ModelFetcher(Path cache, Duration timeout, MeterRegistry metrics) {
        this.cache = cache;
        this.timeout = timeout;
        this.metrics = metrics;
        this.bytes = Counter.builder("ftval.worker.fetch.bytes").baseUnit("bytes").description("bytes of models downloaded and verified")
                .register(metrics);
        this.time = Timer.builder("ftval.worker.fetch.duration").description("time of each completed model download, verification included")
                .publishPercentileHistogram().register(metrics);
        for (String reason : new String[] {"not-found", "http-status", "io-error", "timeout", "digest-mismatch"}) {
            metrics.counter("ftval.worker.fetch.failures", "reason", reason); // at 0 from the start, for rates and alerts
        }
        metrics.counter("ftval.worker.fetch.cached");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    public ModelRef fetch(String uri, String sha256) {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new EngineException(Kind.BAD_INPUT, uri + ": the expected sha256 must be 64 lower-case hex digits");
        }
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new EngineException(Kind.BAD_INPUT, "'" + uri + "' is not a URI");
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase();
        return switch (scheme) {
            case "file" -> new ModelRef(Path.of(parsed), Optional.of(sha256));
            case "http", "https" -> new ModelRef(download(parsed, sha256), Optional.of(sha256));
            default -> throw new EngineException(Kind.BAD_INPUT, uri + ": only file:, http: and https: models are fetched");
        };
    }

    private Path download(URI uri, String sha256) {
        String name = Path.of(uri.getPath().isEmpty() ? "/model" : uri.getPath()).getFileName().toString();
        Path target = cache.resolve(sha256).resolve(name);
        if (Files.isRegularFile(target)) {
            metrics.counter("ftval.worker.fetch.cached").increment();
            return target;
        }
        long started = System.nanoTime();
        try {
            Path fetched = downloadTo(uri, sha256, name, target);
            time.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            bytes.increment(fetched.toFile().length());
            return fetched;
        } catch (EngineException e) {
            metrics.counter("ftval.worker.fetch.failures", "reason", reason(e)).increment();
            throw e;
        }
    }

    /** A low-cardinality name of why a download failed. */
    private static String reason(EngineException e) {
        if (e.getCause() instanceof HttpTimeoutException) {
            return "timeout";
        }
        return switch (e.kind()) {
            case NOT_FOUND -> "not-found";
            case DIGEST_MISMATCH -> "digest-mismatch";
            case FETCH_FAILED -> e.getCause() instanceof IOException ? "io-error" : "http-status";
            default -> e.kind().name().toLowerCase().replace('_', '-');
        };
    }

    private Path downloadTo(URI uri, String sha256, String name, Path target) {
        try {
            Files.createDirectories(target.getParent());
            // the partial file ends with the model's own name: its kind (.zip bundle, LoRA file) is read from it
            Path partial = Files.createTempFile(target.getParent(), ".download-", "-" + name);
            try {
                HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = response.body()) {
                    if (response.statusCode() == 404 || response.statusCode() == 410) {
                        throw new EngineException(Kind.NOT_FOUND, uri + ": the server has no such model (HTTP " + response.statusCode() + ")");
                    }
                    if (response.statusCode() != 200) {
                        throw new EngineException(Kind.FETCH_FAILED, uri + ": HTTP " + response.statusCode());
                    }
                    Files.copy(body, partial, StandardCopyOption.REPLACE_EXISTING);
                }
                String actual = Verified.digestOf(partial);
                if (!actual.equals(sha256)) {
                    throw new EngineException(Kind.DIGEST_MISMATCH, uri + ": sha256 is " + actual + ", expected " + sha256);
                }
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return target;
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new EngineException(Kind.FETCH_FAILED, uri + ": download failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(Kind.FETCH_FAILED, uri + ": download interrupted", e);
        }
    }
}
