package io.ftvalidator.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.Verified;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.DeviceKind;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.Precision;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.Tracing;
import io.ftvalidator.validation.Bases;
import io.ftvalidator.worker.fetch.FetchPolicy;
import io.ftvalidator.worker.fetch.ModelFetcher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.context.Context;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a worker takes from a job with the default trust: LoRA weights on an allow-listed base, nothing else, and says so coarsely. */
class JobRendererTest {

    private static final Path FIXTURES = Path.of(System.getProperty("ftval.home", "..")).resolve("fixtures/models").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void shouldTakeNoBundleNorBaseOffTheAllowListFromARequestAndSayOnlyTheKind() {
        Path base = FIXTURES.resolve("base");
        String baseDigest = Verified.digestOf(base);
        Bases bases = Bases.parse(Map.of("ftval.bases.fixture.sha256", baseDigest, "ftval.bases.fixture.uri", base.toUri().toString()));
        ModelFetcher fetcher = new ModelFetcher(new FetchPolicy(false, true, List.of(), List.of(), 1 << 20, 1 << 30,
                Duration.ofSeconds(5), 5, 1L << 30), tmp.resolve("downloads"), new SimpleMeterRegistry());
        DeviceInfo device = new DeviceInfo(DeviceKind.CPU, "cpu", 0L, 1, "PyTorch", Precision.FLOAT32);
        JobRenderer renderer = new JobRenderer("w-1", device, fetcher, bases, false, OptionalInt.empty(),
                new JobMeters(new SimpleMeterRegistry(), device), Tracing.disabled());
        String other = "0e".repeat(32);
        RenderJob job = RenderJob.newBuilder().setValidationId("v1").setImageIndex(0).setImages(1).setSeed(1).setPrompt("p")
                .setSettings(RenderSettings.newBuilder().build()).setDeadlineMillis(Long.MAX_VALUE).setNonce("n0nce")
                .setSubmissions(List.of(
                        new SubmissionSpec("bundle", base.toUri().toString(), baseDigest, null, null),
                        new SubmissionSpec("own-base", FIXTURES.resolve("loras/honest-1.safetensors").toUri().toString(),
                                Verified.digestOf(FIXTURES.resolve("loras/honest-1.safetensors")), base.toUri().toString(), other),
                        new SubmissionSpec("bundle-as-lora", base.toUri().toString(), baseDigest, null, baseDigest)))
                .build();
        try (ModelCache cache = new ModelCache(Device.cpu(), tmp.resolve("models"), 1 << 20)) {
            ImageScore score = renderer.render(job, cache, Context.root()).score();
            assertThat(score.getNonce()).isEqualTo("n0nce");
            assertThat(score.getResults()).extracting(SubmissionResult::getSubmissionId).containsExactly("bundle", "own-base", "bundle-as-lora");
            assertThat(score.getResults()).extracting(r -> r.getError().getKind()).containsExactly("NOT_ALLOWED", "NOT_ALLOWED", "INVALID_LORA");
            assertThat(score.getResults()).allSatisfy(r -> {
                assertThat(r.getError().getSubmissionFault()).isTrue();
                assertThat(r.getError().getMessage()).doesNotContain(FIXTURES.toString()).doesNotContain(baseDigest);
            });
            assertThat(score.getResults().get(2).getError().getMessage()).isEqualTo("the model is not valid LoRA weights for its base");
        }
    }
}
