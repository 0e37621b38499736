package io.ftvalidator.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.ftvalidator.coordinator.deadletter.DeadLetterProcessingHandler;
import io.ftvalidator.coordinator.deadletter.DeadLetters;
import io.ftvalidator.coordinator.intake.Admission;
import io.ftvalidator.coordinator.intake.Calibrations;
import io.ftvalidator.coordinator.renders.RenderStore;
import io.ftvalidator.coordinator.state.ValidationStores;
import io.ftvalidator.noise.PortableNoise;
import io.ftvalidator.schemas.DecisionStatus;
import io.ftvalidator.schemas.DeviceInfo;
import io.ftvalidator.schemas.DeviceKind;
import io.ftvalidator.schemas.ImageRender;
import io.ftvalidator.schemas.ImageScore;
import io.ftvalidator.schemas.Precision;
import io.ftvalidator.schemas.RenderError;
import io.ftvalidator.schemas.RenderJob;
import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.Rule;
import io.ftvalidator.schemas.SubmissionResult;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.Topics;
import io.ftvalidator.schemas.ValidationDecision;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.schemas.ValidationState;
import io.ftvalidator.schemas.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.IntFunction;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidationTopologyTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final String SHA = "ab".repeat(32);
    private static final String CALIBRATED_BASE = "cd".repeat(32);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, ValidationRequest> requests;
    private TestInputTopic<String, ImageScore> scores;
    private TestOutputTopic<String, RenderJob> jobs;
    private TestOutputTopic<String, ValidationDecision> decisions;
    private TestOutputTopic<String, byte[]> deadLetters;
    private SimpleMeterRegistry metrics;

    @BeforeEach
    void start() {
        // one calibrated base (CALIBRATED_BASE), rendered images kept 2 hours, early verdicts on
        Calibrations calibrations = Calibrations.of(java.util.Map.of("ftval.calibration.tiny.base-sha256", CALIBRATED_BASE,
                "ftval.calibration.tiny.rule", "mean", "ftval.calibration.tiny.threshold", "2", "ftval.calibration.tiny.images", "16"));
        startWith(new ValidationTopology.Settings(Admission.open(List.of("pool prompt a", "pool prompt b", "pool prompt c")),
                Duration.ofSeconds(1), Duration.ofHours(1), 0, Duration.ofHours(2), calibrations, true));
    }

    private void startWith(ValidationTopology.Settings settings) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName());
        props.put("processing.exception.handler.global.enabled", "true");
        metrics = new SimpleMeterRegistry();
        driver = new TopologyTestDriver(ValidationTopology.build(settings, metrics), props, NOW);
        requests = driver.createInputTopic(Topics.VALIDATION_REQUESTS.name(), Serdes.String().serializer(), Topics.VALIDATION_REQUESTS.valueSerde().serializer());
        scores = driver.createInputTopic(Topics.IMAGE_SCORES.name(), Serdes.String().serializer(), Topics.IMAGE_SCORES.valueSerde().serializer());
        jobs = driver.createOutputTopic(Topics.RENDER_JOBS.name(), Serdes.String().deserializer(), Topics.RENDER_JOBS.valueSerde().deserializer());
        decisions = driver.createOutputTopic(Topics.VALIDATION_DECISIONS.name(), Serdes.String().deserializer(), Topics.VALIDATION_DECISIONS.valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private static ValidationRequest request(String id, int images, List<String> prompts) {
        return request(id, images, prompts, List.of("honest-1", "honest-2", "cheat"), SHA);
    }

    private static ValidationRequest request(String id, int images, List<String> prompts, List<String> submissions, String base) {
        List<SubmissionSpec> subs = new ArrayList<>();
        for (String s : submissions) {
            subs.add(new SubmissionSpec(s, "file:/m/" + s + ".safetensors", SHA, "file:/m/base.zip", base));
        }
        return ValidationRequest.newBuilder().setValidationId(id).setSubmissions(subs).setSeed(42).setImages(images)
                .setPrompts(prompts).setSettings(RenderSettings.newBuilder().build()).setRule(Rule.MEAN)
                .setDeadlineMillis(NOW.toEpochMilli() + 60_000).setRequestedAtMillis(NOW.toEpochMilli()).build();
    }

    /** A score whose hashes for image i are: honest ones near each other, the cheat far; with its job's nonce, as a worker echoes it. */
    private ImageScore score(String id, int image, int attempt, IntFunction<SubmissionResult[]> results) {
        ValidationState state = driver.<String, ValidationState>getKeyValueStore(ValidationStores.VALIDATIONS).get(id);
        String nonce = state == null || state.getJobNonces().isEmpty() ? "" : state.getJobNonces().get(image);
        return ImageScore.newBuilder().setValidationId(id).setImageIndex(image).setAttempt(attempt).setWorkerId("worker-" + (image % 2))
                .setDevice(new DeviceInfo(DeviceKind.CPU, "test cpu", 1L << 30, 2, "PyTorch 2.7.1", Precision.FLOAT32))
                .setResults(List.of(results.apply(image))).setStartedAtMillis(0).setFinishedAtMillis(1).setNonce(nonce).build();
    }

    /** honest-1 and the cheat only, for a validation of those two. */
    private static SubmissionResult[] honestOneAndCheat(int image) {
        SubmissionResult[] all = honestAndCheat(image);
        return new SubmissionResult[] {all[0], all[2]};
    }

    private static SubmissionResult[] honestAndCheat(int image) {
        long base = 0x0123456789abcdefL * (image + 1);
        return new SubmissionResult[] {
            new SubmissionResult("honest-1", base, 10L, null),
            new SubmissionResult("honest-2", base ^ 0b11L, 10L, null),
            new SubmissionResult("cheat", ~base, 10L, null)};
    }

    @Test
    void shouldPublishOneJobPerImageWithItsPrompt() {
        requests.pipeInput("v1", request("v1", 4, List.of("p0", "p1")));
        List<org.apache.kafka.streams.test.TestRecord<String, RenderJob>> out = jobs.readRecordsToList();
        assertThat(out).extracting(r -> r.key()).containsExactly("v1/0", "v1/1", "v1/2", "v1/3");
        assertThat(out).extracting(r -> r.value().getPrompt()).containsExactly("p0", "p1", "p0", "p1");
        assertThat(out).allSatisfy(r -> assertThat(r.value().getSubmissions()).hasSize(3));
    }

    @Test
    void shouldDrawPromptsFromTheDefaultPoolWithTheSeed() {
        requests.pipeInput("v1", request("v1", 3, List.of()));
        List<String> pool = List.of("pool prompt a", "pool prompt b", "pool prompt c");
        assertThat(jobs.readValuesToList()).extracting(RenderJob::getPrompt).containsExactly(
                pool.get(PortableNoise.promptChoice(42, 0, 3)), pool.get(PortableNoise.promptChoice(42, 1, 3)),
                pool.get(PortableNoise.promptChoice(42, 2, 3)));
    }

    @Test
    void shouldNameTheOutlierWhenAllImagesAreIn() {
        requests.pipeInput("v1", request("v1", 3, List.of("p")));
        for (int i = 0; i < 3; i++) {
            assertThat(decisions.isEmpty()).isTrue();
            scores.pipeInput("v1", score("v1", i, 0, ValidationTopologyTest::honestAndCheat));
        }
        ValidationDecision d = decisions.readValue();
        assertThat(d.getStatus()).isEqualTo(DecisionStatus.DECIDED);
        assertThat(d.getVerdict()).isEqualTo(Verdict.OUTLIER);
        assertThat(d.getOutliers()).containsExactly("cheat");
        assertThat(d.getAgreeing()).containsExactly("honest-1", "honest-2");
        assertThat(d.getPairs().get(0).getDistances()).containsExactly(2, 2, 2);
        assertThat(d.getImagesDone()).isEqualTo(3);
        assertThat(d.getRenders()).extracting(r -> r.getWorkerId()).containsExactly("worker-0", "worker-1", "worker-0");
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void shouldCountADuplicateScoreOnceAndDecideOnce() {
        requests.pipeInput("v1", request("v1", 2, List.of("p")));
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.isEmpty()).isTrue();
        scores.pipeInput("v1", score("v1", 1, 0, ValidationTopologyTest::honestAndCheat));
        scores.pipeInput("v1", score("v1", 1, 0, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.readValuesToList()).hasSize(1);
        assertThat(metrics.counter("ftval.scores.duplicate").count()).isEqualTo(2.0);
        KeyValueStore<String, ValidationState> store = driver.getKeyValueStore(ValidationStores.VALIDATIONS);
        assertThat(store.get("v1").getScores()).hasSize(2);
    }

    @Test
    void shouldDecideInconclusiveAtTheDeadlineWithWhatIsMissing() {
        requests.pipeInput("v1", request("v1", 4, List.of("p")));
        scores.pipeInput("v1", score("v1", 2, 0, ValidationTopologyTest::honestAndCheat));
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        assertThat(decisions.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(31));
        ValidationDecision d = decisions.readValue();
        assertThat(d.getStatus()).isEqualTo(DecisionStatus.INCONCLUSIVE);
        assertThat(d.getMissingImages()).containsExactly(0, 1, 3);
        assertThat(d.getReason()).isEqualTo("the deadline passed with 3 of 4 images missing: [0, 1, 3]");
        assertThat(d.getPairs()).hasSize(3);
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void shouldPublishTheJobsOfImagesStillMissingOnceMoreHalfwayToTheDeadline() {
        driver.close();
        startWith(new ValidationTopology.Settings(io.ftvalidator.coordinator.intake.Admission.open(List.of("pool prompt a")),
                Duration.ofSeconds(1), Duration.ofHours(1), 0.5, Duration.ofDays(3), Calibrations.none(), true));
        requests.pipeInput("v1", request("v1", 3, List.of("p0", "p1", "p2")));
        List<RenderJob> first = jobs.readValuesToList();
        scores.pipeInput("v1", score("v1", 1, 0, ValidationTopologyTest::honestAndCheat));
        driver.advanceWallClockTime(Duration.ofSeconds(29));
        assertThat(jobs.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // half of the 60 s window
        List<RenderJob> again = jobs.readValuesToList();
        assertThat(again).extracting(RenderJob::getImageIndex).containsExactly(0, 2);
        assertThat(again).extracting(RenderJob::getNonce).containsExactly(first.get(0).getNonce(), first.get(2).getNonce());
        assertThat(again).extracting(RenderJob::getPrompt).containsExactly("p0", "p2");
        assertThat(metrics.counter("ftval.render.jobs.resent").count()).isEqualTo(2.0);
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        scores.pipeInput("v1", score("v1", 2, 0, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.readValue().getOutliers()).containsExactly("cheat");
        driver.advanceWallClockTime(Duration.ofSeconds(40));
        assertThat(jobs.isEmpty()).isTrue(); // once only
    }

    @Test
    void shouldForgetADecidedValidationAfterTheRetention() {
        requests.pipeInput("v1", request("v1", 1, List.of("p")));
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.readValue().getStatus()).isEqualTo(DecisionStatus.DECIDED);
        KeyValueStore<String, String> timers = driver.getKeyValueStore(ValidationStores.TIMERS);
        List<String> pending = new ArrayList<>();
        timers.all().forEachRemaining(kv -> pending.add(kv.value));
        assertThat(pending).containsExactly("FORGET"); // the deadline timer went with the decision
        KeyValueStore<String, ValidationState> store = driver.getKeyValueStore(ValidationStores.VALIDATIONS);
        driver.advanceWallClockTime(Duration.ofMinutes(59));
        assertThat(store.get("v1")).isNotNull();
        driver.advanceWallClockTime(Duration.ofMinutes(2));
        assertThat(store.get("v1")).isNull();
        assertThat(decisions.isEmpty()).isTrue(); // the deadline timer went with the decision
    }

    @Test
    void shouldRejectAnInvalidRequestListingEveryProblem() {
        ValidationRequest bad = request("v1", 0, List.of());
        bad.getSubmissions().get(1).setSha256("nothex");
        bad.getSettings().setSampler("euler");
        requests.pipeInput("v1", bad);
        ValidationDecision d = decisions.readValue();
        assertThat(d.getStatus()).isEqualTo(DecisionStatus.REJECTED);
        assertThat(d.getReason()).contains("images must be in 1..1000, got 0")
                .contains("submissions[1].sha256 must be 64 lower-case hex digits")
                .contains("settings.sampler must be dpm++ or ddim, got 'euler'");
        assertThat(jobs.isEmpty()).isTrue();
    }

    @Test
    void shouldReportASubmissionThatCannotBeLoadedAsFailed() {
        requests.pipeInput("v1", request("v1", 2, List.of("p")));
        IntFunction<SubmissionResult[]> cheatMissing = i -> {
            SubmissionResult[] r = honestAndCheat(i);
            r[2] = new SubmissionResult("cheat", null, 0L, new RenderError("NOT_FOUND", "file:/m/cheat.safetensors: no such file", true));
            return r;
        };
        scores.pipeInput("v1", score("v1", 0, 0, cheatMissing));
        scores.pipeInput("v1", score("v1", 1, 0, cheatMissing));
        ValidationDecision d = decisions.readValue();
        assertThat(d.getVerdict()).isEqualTo(Verdict.OUTLIER);
        assertThat(d.getOutliers()).containsExactly("cheat");
        assertThat(d.getFailed()).hasSize(1);
        assertThat(d.getFailed().get(0).getReason()).isEqualTo("image 0: NOT_FOUND: file:/m/cheat.safetensors: no such file");
    }

    @Test
    void shouldJudgeNobodyWhenNoWorkerCouldRenderAnImage() {
        requests.pipeInput("v1", request("v1", 3, List.of("p")));
        jobs.readValuesToList();
        String limit = "delivery limit: the job was delivered 5 times and no worker finished it";
        IntFunction<SubmissionResult[]> abandoned = i -> new SubmissionResult[] {
            new SubmissionResult("honest-1", null, 0L, new RenderError("DELIVERY_LIMIT", limit, false)),
            new SubmissionResult("honest-2", null, 0L, new RenderError("DELIVERY_LIMIT", limit, false)),
            new SubmissionResult("cheat", null, 0L, new RenderError("DELIVERY_LIMIT", limit, false))};
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        scores.pipeInput("v1", score("v1", 1, 4, abandoned));
        scores.pipeInput("v1", score("v1", 2, 0, ValidationTopologyTest::honestAndCheat));
        ValidationDecision d = decisions.readValue();
        assertThat(d.getStatus()).isEqualTo(DecisionStatus.INCONCLUSIVE);
        assertThat(d.getVerdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(d.getReason()).isEqualTo("no worker could render 1 of 3 images (image 1: DELIVERY_LIMIT: " + limit
                + "); a worker-side failure is no submission's fault, so nobody is judged");
        assertThat(d.getMissingImages()).containsExactly(1);
        assertThat(d.getFailed()).isEmpty();
        assertThat(d.getOutliers()).isEmpty();
        assertThat(d.getPairs()).hasSize(3).allSatisfy(p -> assertThat(p.getDistances()).hasSize(2));
        assertThat(jobs.isEmpty()).isTrue(); // the share group redelivered it already: not sent out again
    }

    @Test
    void shouldNeverChargeAWorkerSideErrorToTheSubmission() {
        requests.pipeInput("v1", request("v1", 2, List.of("p")));
        IntFunction<SubmissionResult[]> oom = i -> {
            SubmissionResult[] r = honestAndCheat(i);
            r[2] = new SubmissionResult("cheat", null, 0L, new RenderError("OUT_OF_MEMORY", "CUDA out of memory", false));
            return r;
        };
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        scores.pipeInput("v1", score("v1", 1, 0, oom));
        ValidationDecision d = decisions.readValue();
        assertThat(d.getVerdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(d.getFailed()).isEmpty();
        assertThat(d.getReason()).contains("image 1: OUT_OF_MEMORY: CUDA out of memory");
    }

    @Test
    void shouldDeadLetterAScoreForAnUnknownValidation() {
        scores.pipeInput("nope", score("nope", 0, 0, ValidationTopologyTest::honestAndCheat));
        var dl = deadLetters.readRecord();
        assertThat(new String(dl.headers().lastHeader(DeadLetters.REASON_HEADER).value())).isEqualTo("score for unknown validation nope");
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void shouldTakeTheSameRequestTwiceOnce() {
        ValidationRequest r = request("v1", 2, List.of("p"));
        requests.pipeInput("v1", r);
        requests.pipeInput("v1", r);
        assertThat(jobs.readValuesToList()).hasSize(2);
        assertThat(deadLetters.isEmpty()).isTrue();
        requests.pipeInput("v1", request("v1", 3, List.of("other")));
        assertThat(jobs.isEmpty()).isTrue();
        assertThat(new String(deadLetters.readRecord().headers().lastHeader(DeadLetters.REASON_HEADER).value()))
                .isEqualTo("validation id v1 is already in use");
    }

    // --- poison records and forged scores: each goes to the dead letters with its reason, and processing carries on

    private String reason(org.apache.kafka.streams.test.TestRecord<String, byte[]> deadLetter) {
        return new String(deadLetter.headers().lastHeader(DeadLetters.REASON_HEADER).value());
    }

    @Test
    void shouldRefuseAScoreWithoutItsJobsNonceCountItAndTakeTheRealOne() {
        requests.pipeInput("v1", request("v1", 1, List.of("p")));
        List<RenderJob> sent = jobs.readValuesToList();
        assertThat(sent.get(0).getNonce()).matches("[0-9a-f]{32}");
        ImageScore forged = score("v1", 0, 0, i -> new SubmissionResult[] {
            new SubmissionResult("honest-1", 1L, 10L, null), new SubmissionResult("honest-2", 1L, 10L, null),
            new SubmissionResult("cheat", 1L, 10L, null)});
        forged.setNonce("00".repeat(16));
        scores.pipeInput("v1", forged);
        assertThat(reason(deadLetters.readRecord())).isEqualTo("the score of image 0 does not carry its job's nonce: not an answer"
                + " to a job this coordinator sent (forged, or for an earlier validation with the same id)");
        assertThat(metrics.counter("ftval.scores.refused", "reason", "nonce").count()).isEqualTo(1.0);
        assertThat(decisions.isEmpty()).isTrue();
        ImageScore real = score("v1", 0, 0, ValidationTopologyTest::honestAndCheat);
        assertThat(real.getNonce()).isEqualTo(sent.get(0).getNonce());
        scores.pipeInput("v1", real);
        assertThat(decisions.readValue().getOutliers()).containsExactly("cheat");
    }

    @Test
    void shouldDeadLetterAScoreWithNeitherHashNorErrorAndDecideOnTheRealOne() {
        requests.pipeInput("v1", request("v1", 1, List.of("p")));
        scores.pipeInput("v1", score("v1", 0, 0, i -> {
            SubmissionResult[] r = honestAndCheat(i);
            r[1] = new SubmissionResult("honest-2", null, 10L, null);
            return r;
        }));
        assertThat(reason(deadLetters.readRecord())).isEqualTo("the result for 'honest-2' of image 0 has neither a hash nor an error");
        assertThat(driver.<String, ValidationState>getKeyValueStore(ValidationStores.VALIDATIONS).get("v1").getScores()).isEmpty();
        scores.pipeInput("v1", score("v1", 0, 1, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.readValue().getVerdict()).isEqualTo(Verdict.OUTLIER);
    }

    @Test
    void shouldDeadLetterAScoreWhoseResultsAreNotTheRequestsSubmissions() {
        requests.pipeInput("v1", request("v1", 1, List.of("p")));
        scores.pipeInput("v1", score("v1", 0, 0, i -> new SubmissionResult[] {
            new SubmissionResult("honest-1", 1L, 10L, null), new SubmissionResult("intruder", 1L, 10L, null),
            new SubmissionResult("cheat", 1L, 10L, null)}));
        scores.pipeInput("v1", score("v1", 0, 0, i -> new SubmissionResult[] {
            new SubmissionResult("honest-1", 1L, 10L, null), new SubmissionResult("cheat", 1L, 10L, null)}));
        assertThat(deadLetters.readRecordsToList()).extracting(this::reason).containsExactly(
                "the score of image 0 has a result for 'intruder', which is no submission of the validation",
                "the score of image 0 has results for 2 of the 3 submissions");
        assertThat(metrics.counter("ftval.scores.refused", "reason", "results").count()).isEqualTo(2.0);
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterARequestWhoseKeyIsNotItsValidationId() {
        requests.pipeInput("other-key", request("v1", 1, List.of("p")));
        assertThat(reason(deadLetters.readRecord())).isEqualTo("the record's key 'other-key' is not its validationId 'v1':"
                + " a request is keyed by its validation id (docs/integration.md)");
        assertThat(jobs.isEmpty()).isTrue();
        requests.pipeInput("v1", request("v1", 1, List.of("p")));
        assertThat(jobs.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldRejectARequestWhoseStateWouldNotFitAChangelogRecord() {
        String longPrompt = "a very detailed prompt ".repeat(80); // 1840 characters, within the prompt limit
        ValidationRequest big = request("big", 1000, List.of(longPrompt));
        big.getSettings().setSteps(1);
        requests.pipeInput("big", big);
        ValidationDecision d = decisions.readValue();
        assertThat(d.getStatus()).isEqualTo(DecisionStatus.REJECTED);
        assertThat(d.getReason()).startsWith("invalid request: the validation's state could take up to ")
                .endsWith(" bytes, more than the 921600 one changelog record may: fewer images or submissions, or shorter prompts");
        assertThat(jobs.isEmpty()).isTrue();
        // the stored REJECTED state is small: the request alone
        requests.pipeInput("v2", request("v2", 1, List.of("p")));
        assertThat(jobs.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldRejectARequestThatWouldCostMoreThanOneRequestMay() {
        ValidationRequest costly = request("costly", 100, List.of("p"));
        costly.getSettings().setSteps(1000);
        costly.getSettings().setWidth(1024);
        costly.getSettings().setHeight(1024);
        requests.pipeInput("costly", costly);
        assertThat(decisions.readValue().getReason()).isEqualTo("invalid request: the validation would cost 314573 megapixel-steps"
                + " (images x submissions x steps x width x height / 10^6, a size of 0 counting as 512), more than the 100000 one"
                + " request may: fewer images, submissions or steps, or smaller images");
    }

    @Test
    void shouldDeadLetterARecordWhoseProcessingThrowsAndCarryOn() {
        // a state stored by an earlier release, holding a result with neither hash nor error: deciding it throws
        requests.pipeInput("old", request("old", 2, List.of("p")));
        KeyValueStore<String, ValidationState> store = driver.getKeyValueStore(ValidationStores.VALIDATIONS);
        ValidationState poisoned = store.get("old");
        ImageScore broken = score("old", 0, 0, ValidationTopologyTest::honestAndCheat);
        broken.getResults().get(0).setHash(null);
        poisoned.setScores(List.of(broken));
        store.put("old", poisoned);
        scores.pipeInput("old", score("old", 1, 0, ValidationTopologyTest::honestAndCheat));
        var dl = deadLetters.readRecord();
        assertThat(reason(dl)).startsWith("processing failed in scores: java.lang.NullPointerException");
        assertThat(new String(dl.headers().lastHeader(DeadLetters.SOURCE_HEADER).value())).startsWith("ftval.image-scores-0@");
        // the next validation is served as usual
        requests.pipeInput("v1", request("v1", 1, List.of("p")));
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.readValuesToList()).extracting(ValidationDecision::getValidationId).containsExactly("v1");
    }

    @Test
    void shouldDeadLetterRecordsWithoutAValue() {
        requests.pipeInput("v1", (ValidationRequest) null);
        scores.pipeInput("v1", (ImageScore) null);
        assertThat(deadLetters.readRecordsToList()).extracting(this::reason).containsExactly(
                "a request record without a value (key v1)", "a score record without a value (key v1)");
    }

    @Test
    void shouldMeasureEachDecisionsPairDistancesAgainstTheThreshold() {
        requests.pipeInput("v1", request("v1", 3, List.of("p")));
        for (int i = 0; i < 3; i++) {
            scores.pipeInput("v1", score("v1", i, 0, ValidationTopologyTest::honestAndCheat));
        }
        assertThat(metrics.counter("ftval.decisions", "status", "DECIDED", "verdict", "OUTLIER").count()).isEqualTo(1.0);
        assertThat(metrics.counter("ftval.decisions", "status", "DECIDED", "verdict", "AGREED").count()).isZero();
        // the honest pair: 2 bits on each of 3 images, mean 2 of the MEAN rule's default threshold
        var honest = metrics.get("ftval.pair.image.distance").tags("rule", "MEAN", "same", "true").summary();
        assertThat(honest.count()).isEqualTo(3);
        assertThat(honest.totalAmount()).isEqualTo(6.0);
        var percent = metrics.get("ftval.pair.threshold.percent").tags("rule", "MEAN", "same", "true").summary();
        assertThat(percent.count()).isEqualTo(1);
        assertThat(percent.totalAmount()).isCloseTo(100 * 2 / io.ftvalidator.decision.Rule.MEAN.defaultThreshold(),
                org.assertj.core.data.Offset.offset(1e-9));
        // the cheat against each honest submission: 2 pairs x 3 images
        assertThat(metrics.get("ftval.pair.image.distance").tags("rule", "MEAN", "same", "false").summary().count()).isEqualTo(6);
        // requested and decided at the driver's clock
        assertThat(metrics.get("ftval.decision.latency").tags("status", "DECIDED").timer().count()).isEqualTo(1);
    }

    @Test
    void shouldDecideEarlyOnceNoImageLeftCouldChangeTheVerdict() {
        requests.pipeInput("v1", request("v1", 8, List.of("p"), List.of("honest-1", "cheat"), SHA));
        // image 0: the pair is 64 bits apart, a mean of at least 64 / 8 = 8 >= 5 whatever comes
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestOneAndCheat));
        ValidationDecision d = decisions.readValue();
        assertThat(d.getVerdict()).isEqualTo(Verdict.NO_CONSENSUS);
        assertThat(d.getImages()).isEqualTo(8);
        assertThat(d.getImagesDone()).isEqualTo(1);
        assertThat(d.getReason()).endsWith("(decided early, on 1 of 8 images: no distances the other images could have change it)");
        assertThat(metrics.counter("ftval.images.saved").count()).isEqualTo(7.0);
        scores.pipeInput("v1", score("v1", 1, 0, ValidationTopologyTest::honestOneAndCheat));
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void shouldNotDecideAnOutlierEarlyWhileTheAgreeingPairCouldStillSplit() {
        requests.pipeInput("v1", request("v1", 2, List.of("p")));
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.isEmpty()).isTrue();
        scores.pipeInput("v1", score("v1", 1, 0, ValidationTopologyTest::honestAndCheat));
        assertThat(decisions.readValue().getImagesDone()).isEqualTo(2);
    }

    @Test
    void shouldJudgeARequestOnACalibratedBaseWithItsThreshold() {
        requests.pipeInput("v1", request("v1", 2, List.of("p"), List.of("honest-1", "honest-2", "cheat"), CALIBRATED_BASE));
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        scores.pipeInput("v1", score("v1", 1, 0, ValidationTopologyTest::honestAndCheat));
        ValidationDecision d = decisions.readValue();
        // honest-1 and honest-2 are 2 bits apart: the same under the default 3, not under the calibrated 2
        assertThat(d.getThreshold()).isEqualTo(2.0);
        assertThat(d.getVerdict()).isEqualTo(Verdict.NO_CONSENSUS);
    }

    @Test
    void shouldKeepARequestsOwnThresholdOnACalibratedBase() {
        ValidationRequest r = request("v1", 2, List.of("p"), List.of("honest-1", "honest-2", "cheat"), CALIBRATED_BASE);
        r.setThreshold(5.0);
        requests.pipeInput("v1", r);
        scores.pipeInput("v1", score("v1", 0, 0, ValidationTopologyTest::honestAndCheat));
        scores.pipeInput("v1", score("v1", 1, 0, ValidationTopologyTest::honestAndCheat));
        ValidationDecision d = decisions.readValue();
        assertThat(d.getThreshold()).isEqualTo(5.0);
        assertThat(d.getVerdict()).isEqualTo(Verdict.OUTLIER);
    }

    @Test
    void shouldKeepRenderedImagesByValidationUntilTheirRetention() {
        TestInputTopic<String, ImageRender> renders = driver.createInputTopic(Topics.RENDERS.name(), Serdes.String().serializer(),
                Topics.RENDERS.valueSerde().serializer());
        renders.pipeInput("v1", render("v1", 0, "a"), NOW);
        renders.pipeInput("v1", render("v1", 0, "b"), NOW.plusSeconds(1));
        renders.pipeInput("v2", render("v2", 0, "a"), NOW.plusSeconds(2));
        WindowStore<String, ImageRender> store = driver.getWindowStore(RenderStore.NAME);
        List<String> v1 = new ArrayList<>();
        try (WindowStoreIterator<ImageRender> it = store.fetch("v1", Instant.EPOCH, NOW.plus(Duration.ofDays(1)))) {
            it.forEachRemaining(kv -> v1.add(kv.value.getSubmissionId() + "/" + kv.value.getImageIndex()));
        }
        assertThat(v1).containsExactly("a/0", "b/0");
        // stream time moves on past the 2-hour retention: the old images go, a new one stays
        renders.pipeInput("v3", render("v3", 0, "a"), NOW.plus(Duration.ofHours(5)));
        try (WindowStoreIterator<ImageRender> it = store.fetch("v1", Instant.EPOCH, NOW.plus(Duration.ofDays(1)))) {
            assertThat(it.hasNext()).isFalse();
        }
        try (WindowStoreIterator<ImageRender> it = store.fetch("v3", Instant.EPOCH, NOW.plus(Duration.ofDays(1)))) {
            assertThat(it.next().value.getPng().remaining()).isEqualTo(3);
        }
        assertThat(decisions.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    private static ImageRender render(String validationId, int image, String submission) {
        return ImageRender.newBuilder().setValidationId(validationId).setImageIndex(image).setSubmissionId(submission)
                .setWorkerId("w-1").setWidth(64).setHeight(64).setPng(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setRenderedAtMillis(NOW.toEpochMilli()).build();
    }
}
