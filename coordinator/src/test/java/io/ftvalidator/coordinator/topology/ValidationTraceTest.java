package io.ftvalidator.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.DeviceKind;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.Precision;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.Tracing;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A validation's spans in the coordinator, with the trace context passed on through the records' headers. */
class ValidationTraceTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @TempDir
    Path stateDir;

    @Test
    void shouldCarryTheRequestsTraceThroughJobsScoresAndTheDecision() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "trace-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        var settings = new ValidationTopology.Settings(List.of(), Duration.ofSeconds(1), Duration.ofHours(1));
        try (TopologyTestDriver driver = new TopologyTestDriver(
                ValidationTopology.build(settings, new SimpleMeterRegistry(), Map.of(), new Tracing(otel)), props, NOW)) {
            TestInputTopic<String, ValidationRequest> requests = driver.createInputTopic(Topics.VALIDATION_REQUESTS.name(),
                    Serdes.String().serializer(), Topics.VALIDATION_REQUESTS.valueSerde().serializer());
            TestInputTopic<String, ImageScore> scores = driver.createInputTopic(Topics.IMAGE_SCORES.name(),
                    Serdes.String().serializer(), Topics.IMAGE_SCORES.valueSerde().serializer());
            TestOutputTopic<String, RenderJob> jobs = driver.createOutputTopic(Topics.RENDER_JOBS.name(),
                    Serdes.String().deserializer(), Topics.RENDER_JOBS.valueSerde().deserializer());
            TestOutputTopic<String, ValidationDecision> decisions = driver.createOutputTopic(Topics.VALIDATION_DECISIONS.name(),
                    Serdes.String().deserializer(), Topics.VALIDATION_DECISIONS.valueSerde().deserializer());

            // the REST request's context, as the messaging connector writes it
            RecordHeaders headers = new RecordHeaders();
            headers.add("traceparent", ("00-" + TRACE + "-00f067aa0ba902b7-01").getBytes(StandardCharsets.UTF_8));
            requests.pipeInput(new TestRecord<>("v1", request("v1"), headers, NOW));

            List<TestRecord<String, RenderJob>> out = jobs.readRecordsToList();
            assertThat(out).hasSize(2);
            for (TestRecord<String, RenderJob> job : out) {
                String parent = new String(job.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8);
                assertThat(parent).startsWith("00-" + TRACE + "-");
                // a worker's job span would be the child of this one; the score carries the worker's context back
                RecordHeaders scoreHeaders = new RecordHeaders();
                scoreHeaders.add("traceparent", parent.getBytes(StandardCharsets.UTF_8));
                scores.pipeInput(new TestRecord<>("v1", score("v1", job.value().getImageIndex(), job.value().getNonce()), scoreHeaders, NOW));
            }
            TestRecord<String, ValidationDecision> decision = decisions.readRecord();
            assertThat(new String(decision.headers().lastHeader("traceparent").value(), StandardCharsets.UTF_8)).startsWith("00-" + TRACE + "-");
        }
        List<SpanData> finished = spans.getFinishedSpanItems();
        assertThat(finished).extracting(SpanData::getName)
                .containsExactlyInAnyOrder("ftval.fanout", "ftval.intake", "ftval.score", "ftval.decision", "ftval.score");
        assertThat(finished).allSatisfy(s -> {
            assertThat(s.getTraceId()).isEqualTo(TRACE);
            assertThat(s.getAttributes().get(Tracing.VALIDATION_ID)).isEqualTo("v1");
        });
        SpanData intake = finished.stream().filter(s -> s.getName().equals("ftval.intake")).findFirst().orElseThrow();
        SpanData fanout = finished.stream().filter(s -> s.getName().equals("ftval.fanout")).findFirst().orElseThrow();
        assertThat(intake.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(fanout.getParentSpanId()).isEqualTo(intake.getSpanId());
        SpanData decided = finished.stream().filter(s -> s.getName().equals("ftval.decision")).findFirst().orElseThrow();
        assertThat(decided.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("ftval.verdict"))).isEqualTo("AGREED");
    }

    private static ValidationRequest request(String id) {
        String sha = "ab".repeat(32);
        List<SubmissionSpec> subs = List.of(new SubmissionSpec("a", "file:/m/a.safetensors", sha, "file:/m/base.zip", sha),
                new SubmissionSpec("b", "file:/m/b.safetensors", sha, "file:/m/base.zip", sha));
        return ValidationRequest.newBuilder().setValidationId(id).setSubmissions(subs).setSeed(42).setImages(2)
                .setPrompts(List.of("p")).setSettings(RenderSettings.newBuilder().build()).setRule(Rule.MEAN)
                .setDeadlineMillis(NOW.toEpochMilli() + 60_000).setRequestedAtMillis(NOW.toEpochMilli()).build();
    }

    /** A score as a worker writes it: echoing its job's nonce. */
    private static ImageScore score(String id, int image, String nonce) {
        return ImageScore.newBuilder().setValidationId(id).setImageIndex(image).setAttempt(0).setWorkerId("w")
                .setDevice(new DeviceInfo(DeviceKind.CPU, "test cpu", 1L << 30, 2, "PyTorch 2.7.1", Precision.FLOAT32))
                .setResults(List.of(new SubmissionResult("a", 7L, 10L, null), new SubmissionResult("b", 7L, 10L, null)))
                .setStartedAtMillis(0).setFinishedAtMillis(1).setNonce(nonce).build();
    }
}
