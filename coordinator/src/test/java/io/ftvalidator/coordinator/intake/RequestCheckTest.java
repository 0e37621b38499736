package io.ftvalidator.coordinator.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.schemas.RenderSettings;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.validation.Bases;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the intake admits from a request, beyond core's limits: bases from the allow-list only, LoRA weights only. */
class RequestCheckTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final String SD15 = "5d".repeat(32);
    private static final String OTHER = "0e".repeat(32);
    private static final String LORA = "ab".repeat(32);
    private static final Admission STRICT = new Admission(Bases.parse(Map.of(
            "ftval.bases.sd15.sha256", SD15, "ftval.bases.sd15.uri", "https://models.example.net/sd15.zip")), false, List.of());

    private static ValidationRequest request(SubmissionSpec... subs) {
        return ValidationRequest.newBuilder().setValidationId("v1").setSubmissions(List.of(subs)).setSeed(1).setImages(2)
                .setPrompts(List.of("p")).setSettings(RenderSettings.newBuilder().build()).setDeadlineMillis(NOW + 60_000)
                .setRequestedAtMillis(NOW).build();
    }

    private static SubmissionSpec lora(String id, String base) {
        return new SubmissionSpec(id, "https://nodes.example.org/" + id + ".safetensors", LORA, null, base);
    }

    @Test
    void shouldAdmitLorasOnAnAllowedBaseNamedByDigestAlone() {
        assertThat(RequestCheck.problems(request(lora("a", SD15), lora("b", SD15)), NOW, STRICT)).isEmpty();
    }

    @Test
    void shouldRefuseABaseOffTheAllowListAndAWholeBundle() {
        SubmissionSpec bundle = new SubmissionSpec("c", "https://nodes.example.org/c.zip", LORA, null, null);
        assertThat(RequestCheck.problems(request(lora("a", SD15), lora("b", OTHER), bundle), NOW, STRICT)).containsExactly(
                "submissions[1].baseSha256 names no base of this cluster's allow-list (sd15 " + SD15 + ")",
                "submissions[2]: only LoRA weights are accepted (a .safetensors file or a PEFT adapter folder), on a base of this"
                        + " cluster's allow-list named by baseSha256 (sd15 " + SD15 + ")");
    }

    @Test
    void shouldAdmitWholeBundlesAndOtherBasesOnlyWhereTheOperatorAllowsThem() {
        Admission open = new Admission(STRICT.bases(), true, List.of());
        SubmissionSpec bundle = new SubmissionSpec("c", "file:/models/c", LORA, null, null);
        SubmissionSpec otherBase = new SubmissionSpec("d", "file:/models/d.safetensors", LORA, "file:/models/other", OTHER);
        assertThat(RequestCheck.problems(request(lora("a", SD15), bundle, otherBase), NOW, open)).isEmpty();
        assertThat(RequestCheck.problems(request(lora("a", SD15), lora("b", OTHER)), NOW, open))
                .containsExactly("submissions[1]: a base that is not on the allow-list needs its baseModelUri");
    }

    @Test
    void shouldListEveryMalformedEntryOfTheAllowList() {
        assertThatThrownBy(() -> Bases.parse(Map.of("ftval.bases.a.sha256", "xyz", "ftval.bases.a.uri", "https://m/a.zip",
                "ftval.bases.b.sha256", SD15, "ftval.serde", "registry")))
                .hasMessage("the base allow-list is malformed: ftval.bases.a.sha256 must be the bundle's digest, 64 lower-case hex"
                        + " digits; ftval.bases.b.uri is required: where workers fetch the base");
    }
}
