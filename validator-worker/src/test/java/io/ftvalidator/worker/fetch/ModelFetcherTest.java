package io.ftvalidator.worker.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.validation.Bases;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads over real HTTP from a hostile server (the JDK's, on 127.0.0.2, which the policy exempts
 * as an operator would its model store): redirects to this machine and to the cloud metadata
 * address, a stalling body, too many bytes, redirect loops, 404 and 500; all within the policy,
 * each failure with its kind and whose fault it is, nothing kept.
 */
class ModelFetcherTest {

    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry metrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    private static final String HOST = "127.0.0.2";

    @TempDir
    Path tmp;

    private HttpServer server;
    private ExecutorService handlers;
    private final AtomicInteger requests = new AtomicInteger();
    private byte[] lora;
    private String digest;

    @BeforeEach
    void serve() throws IOException {
        lora = "not really a LoRA, but bytes with a digest".getBytes();
        digest = Verified.digestOf(Files.write(tmp.resolve("model.safetensors"), lora));
        server = HttpServer.create(new InetSocketAddress(HOST, 0), 0);
        handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(handlers);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            try (OutputStream out = exchange.getResponseBody()) {
                switch (path) {
                    case "/loras/model.safetensors" -> {
                        exchange.sendResponseHeaders(200, lora.length);
                        out.write(lora);
                    }
                    case "/redirect/loopback" -> redirect(exchange, "http://127.0.0.1:" + port() + "/loras/model.safetensors");
                    case "/redirect/metadata" -> redirect(exchange, "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
                    case "/redirect/fine" -> redirect(exchange, "/loras/model.safetensors");
                    case "/redirect/loop" -> redirect(exchange, "/redirect/loop");
                    case "/stall.safetensors" -> {
                        exchange.sendResponseHeaders(200, 1_000_000);
                        out.write(new byte[100]);
                        out.flush();
                        sleep(Duration.ofSeconds(30));
                    }
                    case "/declared-huge.safetensors" -> {
                        exchange.sendResponseHeaders(200, 10L << 20);
                        out.write(new byte[1024]);
                    }
                    case "/endless.safetensors" -> {
                        exchange.sendResponseHeaders(200, 0); // chunked: no length to check up front
                        byte[] chunk = new byte[64 * 1024];
                        for (int i = 0; i < 64; i++) {
                            out.write(chunk);
                        }
                    }
                    case "/broken" -> exchange.sendResponseHeaders(500, -1);
                    default -> exchange.sendResponseHeaders(404, -1);
                }
            } catch (IOException closedByTheClient) {
                // a refused download closes the connection mid-body
            }
        });
        server.start();
    }

    private static void redirect(com.sun.net.httpserver.HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().add("Location", location);
        exchange.sendResponseHeaders(302, -1);
    }

    @AfterEach
    void stop() {
        server.stop(0);
        handlers.shutdownNow();
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private String url(String path) {
        return "http://" + HOST + ":" + port() + path;
    }

    /** The test server's network exempt, http allowed, 2 s to download, 1 MiB at most. */
    private ModelFetcher fetcher() {
        return fetcher(List.of(), true);
    }

    private ModelFetcher fetcher(List<String> hosts, boolean allowHttp) {
        return new ModelFetcher(new FetchPolicy(allowHttp, false, hosts, List.of(HOST + "/32"), 1 << 20, 4 << 20,
                Duration.ofSeconds(2), 5, 1L << 30), tmp.resolve("cache"), metrics);
    }

    private static EngineException refusal(Runnable fetch) {
        try {
            fetch.run();
        } catch (EngineException e) {
            return e;
        }
        throw new AssertionError("the fetch was not refused");
    }

    private long filesLeft() throws IOException {
        if (!Files.exists(tmp.resolve("cache"))) {
            return 0;
        }
        try (Stream<Path> left = Files.walk(tmp.resolve("cache"))) {
            return left.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void shouldDownloadOnceAndKeepTheFileUnderItsDigest() throws IOException {
        ModelRef first = fetcher().submission(url("/loras/model.safetensors"), digest);
        ModelRef again = fetcher().submission(url("/loras/model.safetensors"), digest);
        assertThat(first.path()).isEqualTo(tmp.resolve("cache").resolve(digest).resolve("model.safetensors"));
        assertThat(Files.readAllBytes(first.path())).isEqualTo(lora);
        assertThat(again.path()).isEqualTo(first.path());
        assertThat(requests.get()).isEqualTo(1);
        // what the worker's metrics say of it: one download of the file's bytes, then one cache hit
        assertThat(metrics.counter("ftval.worker.fetch.bytes").count()).isEqualTo(lora.length);
        assertThat(metrics.timer("ftval.worker.fetch.duration").count()).isEqualTo(1);
        assertThat(metrics.counter("ftval.worker.fetch.cached").count()).isEqualTo(1.0);
    }

    @Test
    void shouldRefuseADownloadWithAnotherDigestAndKeepNothing() throws IOException {
        String wrong = "ab".repeat(32);
        EngineException e = refusal(() -> fetcher().submission(url("/loras/model.safetensors"), wrong));
        assertThat(e.kind()).isEqualTo(Kind.DIGEST_MISMATCH);
        assertThat(e.submissionFault()).isTrue();
        assertThat(e).hasMessage(url("/loras/model.safetensors") + ": sha256 is " + digest + ", expected " + wrong);
        assertThat(filesLeft()).isZero();
        assertThat(metrics.counter("ftval.worker.fetch.failures", "reason", "digest-mismatch").count()).isEqualTo(1.0);
    }

    @Test
    void shouldRefuseARedirectToThisMachineOrTheCloudMetadataAddressBeforeConnecting() {
        EngineException loopback = refusal(() -> fetcher().submission(url("/redirect/loopback"), digest));
        assertThat(loopback.kind()).isEqualTo(Kind.NOT_ALLOWED);
        assertThat(loopback.submissionFault()).isTrue();
        assertThat(loopback).hasMessageContaining("host 127.0.0.1 is a loopback address (127.0.0.1): models are fetched from public addresses only");
        EngineException metadata = refusal(() -> fetcher().submission(url("/redirect/metadata"), digest));
        assertThat(metadata.kind()).isEqualTo(Kind.NOT_ALLOWED);
        assertThat(metadata).hasMessageContaining("host 169.254.169.254 is a link-local address");
        assertThat(requests.get()).isEqualTo(2); // the two redirects; nothing was sent where they pointed
    }

    @Test
    void shouldFollowARedirectThatStaysAllowedButNotALoop() throws IOException {
        assertThat(Files.readAllBytes(fetcher().submission(url("/redirect/fine"), digest).path())).isEqualTo(lora);
        EngineException loop = refusal(() -> fetcher().submission(url("/redirect/loop"), digest));
        assertThat(loop.kind()).isEqualTo(Kind.NOT_ALLOWED);
        assertThat(loop).hasMessage(url("/redirect/loop") + ": redirected more than 5 times");
    }

    @Test
    void shouldStopAStallingDownloadAtItsDeadlineAndBlameTheSubmission() throws IOException {
        long start = System.nanoTime();
        EngineException e = refusal(() -> fetcher().submission(url("/stall.safetensors"), digest));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(e.kind()).isEqualTo(Kind.FETCH_FAILED);
        assertThat(e.submissionFault()).isTrue();
        assertThat(e).hasMessage(url("/stall.safetensors") + ": the download did not finish within 2 s");
        assertThat(took).isBetween(1_900L, 10_000L);
        assertThat(filesLeft()).isZero();
    }

    @Test
    void shouldStopADownloadPassingTheSizeCapWhetherDeclaredOrNot() throws IOException {
        for (String path : List.of("/declared-huge.safetensors", "/endless.safetensors")) {
            EngineException e = refusal(() -> fetcher().submission(url(path), digest));
            assertThat(e.kind()).as(path).isEqualTo(Kind.TOO_LARGE);
            assertThat(e.submissionFault()).isTrue();
            assertThat(e).hasMessage(url(path) + ": the model is larger than 1048576 bytes, more than this worker fetches");
        }
        assertThat(filesLeft()).isZero();
    }

    @Test
    void shouldTellAMissingModelFromAServerErrorAndBlameTheSubmittersServer() {
        EngineException missing = refusal(() -> fetcher().submission(url("/nope.safetensors"), digest));
        assertThat(missing.kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(missing.submissionFault()).isTrue();
        assertThat(missing).hasMessage(url("/nope.safetensors") + ": the server has no such model (HTTP 404)");
        EngineException broken = refusal(() -> fetcher().submission(url("/broken"), digest));
        assertThat(broken.kind()).isEqualTo(Kind.FETCH_FAILED);
        assertThat(broken.submissionFault()).isTrue(); // any host: its trouble is its submitter's
        assertThat(broken.getMessage()).matches(java.util.regex.Pattern.quote(url("/broken")) + ": HTTP 500 \\([23] attempts\\)");
    }

    @Test
    void shouldBlameTheWorkerWhenAHostTheOperatorListedFails() {
        EngineException broken = refusal(() -> fetcher(List.of(HOST), true).submission(url("/broken"), digest));
        assertThat(broken.kind()).isEqualTo(Kind.FETCH_FAILED);
        assertThat(broken.submissionFault()).isFalse(); // the operator's own store failing fails everyone: retried elsewhere
        EngineException base = refusal(() -> fetcher().base(new Bases.Base("sd15", digest, url("/nope.zip"))));
        assertThat(base.kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(base.submissionFault()).isFalse(); // an allow-listed base is never a submission's fault
        assertThat(base).hasMessageStartingWith("base sd15 of the allow-list: ");
    }

    @Test
    void shouldRefuseHttpFilePrivateAddressesAndHostsOffTheListByDefault() {
        ModelFetcher strict = new ModelFetcher(new FetchPolicy(false, false, List.of(), List.of(), 1 << 20, 1 << 20,
                Duration.ofSeconds(2), 5, 1L << 30), tmp.resolve("cache"), metrics);
        assertThat(refusal(() -> strict.submission(url("/loras/model.safetensors"), digest)))
                .hasMessage(url("/loras/model.safetensors") + ": http: is not fetched (https only; ftval.worker.fetch.allow-http)");
        assertThat(refusal(() -> strict.submission(tmp.resolve("model.safetensors").toUri().toString(), digest)).kind())
                .isEqualTo(Kind.NOT_ALLOWED);
        assertThat(refusal(() -> strict.submission("https://127.0.0.1:" + port() + "/loras/model.safetensors", digest)))
                .hasMessageEndingWith("host 127.0.0.1 is a loopback address (127.0.0.1): models are fetched from public addresses only");
        assertThat(refusal(() -> strict.submission("https://[::ffff:10.0.0.7]/m.safetensors", digest)))
                .hasMessageContaining("is a private address");
        assertThat(refusal(() -> fetcher(List.of("models.example.net"), true).submission(url("/loras/model.safetensors"), digest)))
                .hasMessage(url("/loras/model.safetensors") + ": host " + HOST + " is not on the allow-list");
        assertThat(refusal(() -> strict.submission("ftp://models.example.net/m.safetensors", digest)))
                .hasMessage("ftp://models.example.net/m.safetensors: only https: models are fetched");
        assertThat(requests.get()).isZero();
    }

    @Test
    void shouldDropTheLeastRecentlyUsedDownloadsBeyondTheCacheBound() throws IOException {
        Path root = tmp.resolve("bounded");
        Instant old = Instant.now().minus(Duration.ofHours(2));
        for (int i = 0; i < 3; i++) {
            Path entry = root.resolve("d" + i).resolve("m.safetensors");
            Files.createDirectories(entry.getParent());
            Files.write(entry, new byte[1000]);
            Files.setLastModifiedTime(entry.getParent(), FileTime.from(old.plus(Duration.ofMinutes(i))));
        }
        Files.write(root.resolve("d1").resolve(DownloadCache.PARTIAL + "1-m.safetensors"), new byte[10]);
        DownloadCache cache = new DownloadCache(root, 2500);
        assertThat(root.resolve("d1").resolve(DownloadCache.PARTIAL + "1-m.safetensors")).doesNotExist(); // a killed worker's leftovers
        cache.trim();
        assertThat(root.resolve("d0")).doesNotExist();
        assertThat(root.resolve("d1")).exists();
        assertThat(root.resolve("d2")).exists();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
