package io.ftvalidator.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.render.Sampler;
import io.ftvalidator.validation.Defaults;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AvroMappingTest {

    @Test
    void shouldMapEveryConstantBothWaysByName() {
        for (Rule r : Rule.values()) {
            assertThat(AvroMapping.toCore(r).name()).isEqualTo(r.name());
            assertThat(AvroMapping.toAvro(AvroMapping.toCore(r))).isEqualTo(r);
        }
        for (Verdict v : Verdict.values()) {
            assertThat(AvroMapping.toCore(v).name()).isEqualTo(v.name());
            assertThat(AvroMapping.toAvro(AvroMapping.toCore(v))).isEqualTo(v);
        }
        for (HashAlgorithm h : HashAlgorithm.values()) {
            assertThat(AvroMapping.toCore(h).name()).isEqualTo(h.name());
            assertThat(AvroMapping.toAvro(AvroMapping.toCore(h))).isEqualTo(h);
        }
        // both sides have the same constants: none of core's is left unmapped
        assertThat(Arrays.stream(io.ftvalidator.decision.Verdict.values()).map(AvroMapping::toAvro)).hasSize(Verdict.values().length);
    }

    @Test
    void shouldAgreeWithTheContractsDefaults() {
        ValidationRequest request = ValidationRequest.newBuilder().setValidationId("v").setSubmissions(java.util.List.of())
                .setSeed(1).setImages(1).setSettings(RenderSettings.newBuilder().build()).setDeadlineMillis(1).setRequestedAtMillis(0).build();
        assertThat(AvroMapping.toCore(request.getSettings())).isEqualTo(Defaults.RENDER);
        assertThat(AvroMapping.toCore(request.getRule())).isEqualTo(Defaults.RULE);
        assertThat(AvroMapping.toCore(request.getHashAlgorithm())).isEqualTo(Defaults.HASH);
    }

    @Test
    void shouldCarrySettingsBothWays() {
        io.ftvalidator.render.RenderSettings core = new io.ftvalidator.render.RenderSettings(Sampler.DDIM, 20, 3.5, 256, 192, "blurry");
        RenderSettings avro = AvroMapping.toAvro(core);
        assertThat(avro.getSampler()).isEqualTo("ddim");
        assertThat(AvroMapping.toCore(avro)).isEqualTo(core);
    }

    @Test
    void shouldListEveryProblemOfMessageSettings() {
        RenderSettings bad = new RenderSettings("euler", 0, 101.0, 5000, 0, "");
        assertThat(AvroMapping.problems(bad)).containsExactly(
                "sampler must be dpm++ or ddim, got 'euler'",
                "steps must be in 1..1000, got 0",
                "guidance must be in 0..100, got 101.0",
                "width and height must be in 0..4096 (0: the model's default), got 5000x0");
        assertThatThrownBy(() -> AvroMapping.toCore(new RenderSettings("dpm++", 0, 7.5, 0, 0, "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("steps must be in 1..1000, got 0");
    }
}
