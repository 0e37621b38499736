package io.ftvalidator.worker.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.bundle.Verified;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads over real HTTP (the JDK's server on a free port), checked by digest before they are kept. */
class ModelFetcherTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private byte[] lora;
    private String digest;

    @BeforeEach
    void serve() throws IOException {
        lora = "not really a LoRA, but bytes with a digest".getBytes();
        digest = Verified.digestOf(Files.write(tmp.resolve("model.safetensors"), lora));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            int status = path.endsWith("/model.safetensors") ? 200 : path.endsWith("/broken") ? 500 : 404;
            byte[] body = status == 200 ? lora : new byte[0];
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private ModelFetcher fetcher() {
        return new ModelFetcher(tmp.resolve("cache"), Duration.ofSeconds(10), metrics);
    }

    @Test
    void shouldDownloadOnceAndKeepTheFileUnderItsDigest() throws IOException {
        ModelRef first = fetcher().fetch(url("/loras/model.safetensors"), digest);
        ModelRef again = fetcher().fetch(url("/loras/model.safetensors"), digest);
        assertThat(first.path()).isEqualTo(tmp.resolve("cache").resolve(digest).resolve("model.safetensors"));
        assertThat(Files.readAllBytes(first.path())).isEqualTo(lora);
        assertThat(first.sha256()).contains(digest);
        assertThat(again.path()).isEqualTo(first.path());
        assertThat(requests.get()).isEqualTo(1);
        assertThat(metrics.counter("ftval.worker.fetch.bytes").count()).isEqualTo(lora.length);
        assertThat(metrics.timer("ftval.worker.fetch.duration").count()).isEqualTo(1);
        assertThat(metrics.counter("ftval.worker.fetch.cached").count()).isEqualTo(1);
    }

    @Test
    void shouldRefuseADownloadWithAnotherDigestAndKeepNothing() throws IOException {
        String wrong = "ab".repeat(32);
        assertThatThrownBy(() -> fetcher().fetch(url("/loras/model.safetensors"), wrong))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.DIGEST_MISMATCH))
                .hasMessage(url("/loras/model.safetensors") + ": sha256 is " + digest + ", expected " + wrong);
        try (Stream<Path> left = Files.walk(tmp.resolve("cache"))) {
            assertThat(left.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void shouldTellAMissingModelFromAServerError() {
        assertThatThrownBy(() -> fetcher().fetch(url("/nope.safetensors"), digest))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.NOT_FOUND))
                .hasMessage(url("/nope.safetensors") + ": the server has no such model (HTTP 404)");
        assertThatThrownBy(() -> fetcher().fetch(url("/broken"), digest))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.FETCH_FAILED))
                .hasMessage(url("/broken") + ": HTTP 500");
        assertThat(metrics.counter("ftval.worker.fetch.failures", "reason", "not-found").count()).isEqualTo(1);
        assertThat(metrics.counter("ftval.worker.fetch.failures", "reason", "http-status").count()).isEqualTo(1);
        assertThat(metrics.counter("ftval.worker.fetch.bytes").count()).isZero();
    }

    @Test
    void shouldRefuseOtherSchemesAndMalformedDigests() {
        assertThatThrownBy(() -> fetcher().fetch("s3://bucket/model.safetensors", digest))
                .hasMessage("s3://bucket/model.safetensors: only file:, http: and https: models are fetched");
        assertThatThrownBy(() -> fetcher().fetch(url("/loras/model.safetensors"), "../../etc"))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.kind()).isEqualTo(EngineException.Kind.BAD_INPUT))
                .hasMessageEndingWith("the expected sha256 must be 64 lower-case hex digits");
    }

    @Test
    void shouldUseFileUrisInPlace() {
        Path file = tmp.resolve("model.safetensors");
        ModelRef ref = fetcher().fetch(file.toUri().toString(), digest);
        assertThat(ref.path()).isEqualTo(file);
        assertThat(requests.get()).isZero();
    }
}
