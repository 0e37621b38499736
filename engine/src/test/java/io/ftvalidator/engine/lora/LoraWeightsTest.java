package io.ftvalidator.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.Fixtures;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.engine.render.Renderer;
import io.ftvalidator.render.RenderSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merged LoRA weights kept between sessions (a validation's jobs take turns between its submissions):
 * a kept merge is copied in instead of merged again, renders the same bits as a fresh merge, and the
 * kept weights stay within their budget.
 */
class LoraWeightsTest {

    private static final RenderSettings SETTINGS = RenderSettings.DEFAULTS.withSteps(6);
    private static final String PROMPT = "a large purple triangle on a white background in sks style";

    @TempDir
    Path tmp;

    private final List<String> events = new ArrayList<>();

    private final ModelCache.Listener listener = new ModelCache.Listener() {
        @Override
        public void hit(String kind) {
            events.add("hit " + kind);
        }

        @Override
        public void miss(String kind) {
            events.add("miss " + kind);
        }

        @Override
        public void evicted(String kind, long bytes) {
            events.add("evicted " + kind + (bytes > 0 ? "" : " nothing"));
        }
    };

    @BeforeAll
    static void engine() {
        EngineSetup.configure(2);
    }

    private static byte[] render(ModelCache cache, String lora) {
        try (ModelCache.Prepared p = cache.prepare(lora == null ? Fixtures.baseRef() : Fixtures.loraRef(lora), Optional.of(Fixtures.baseRef()));
                LoadedModel.Session s = p.open()) {
            return Renderer.render(s, new ImageSpec(42, 1, PROMPT, SETTINGS)).rgb();
        }
    }

    private List<String> merged() {
        return events.stream().filter(e -> e.contains("merged")).toList();
    }

    @Test
    void shouldCopyAKeptMergeInAndRenderWhatAFreshMergeRenders() {
        byte[] fresh1;
        byte[] fresh2;
        byte[] base;
        try (ModelCache none = new ModelCache(Device.cpu(), tmp.resolve("a"), Long.MAX_VALUE, 0, ModelCache.Listener.NONE)) {
            fresh1 = render(none, "honest-1");
            base = render(none, null);
            fresh2 = render(none, "honest-2");
        }
        try (ModelCache cache = new ModelCache(Device.cpu(), tmp.resolve("b"), Long.MAX_VALUE, Long.MAX_VALUE, listener)) {
            // the turns of a job: each submission once, then the next job's turns
            byte[] first1 = render(cache, "honest-1");
            byte[] first2 = render(cache, "honest-2");
            byte[] again1 = render(cache, "honest-1");
            byte[] again1Twice = render(cache, "honest-1");
            byte[] baseAfter = render(cache, null);
            byte[] again2 = render(cache, "honest-2");
            assertThat(merged()).containsExactly("miss merged", "miss merged", "hit merged", "hit merged", "hit merged");
            assertThat(first1).isEqualTo(fresh1);
            assertThat(again1).isEqualTo(fresh1);
            assertThat(again1Twice).isEqualTo(fresh1);
            assertThat(first2).isEqualTo(fresh2);
            assertThat(again2).isEqualTo(fresh2);
            assertThat(baseAfter).isEqualTo(base);
            assertThat(fresh1).isNotEqualTo(fresh2);
            assertThat(cache.keptLoraBytes()).isPositive();
        }
    }

    @Test
    void shouldDropTheLeastRecentlyUsedMergeToStayWithinTheBudget() {
        long one;
        try (ModelCache probe = new ModelCache(Device.cpu(), tmp.resolve("a"), Long.MAX_VALUE, Long.MAX_VALUE, ModelCache.Listener.NONE)) {
            render(probe, "honest-1");
            one = probe.keptLoraBytes();
            render(probe, "honest-2");
            assertThat(probe.keptLoraBytes()).as("the fixture LoRAs change the same weights").isEqualTo(2 * one);
        }
        byte[] fresh1;
        try (ModelCache none = new ModelCache(Device.cpu(), tmp.resolve("b"), Long.MAX_VALUE, 0, ModelCache.Listener.NONE)) {
            fresh1 = render(none, "honest-1");
        }
        // room for one merge: the second evicts the first, which is merged again when it comes back
        try (ModelCache cache = new ModelCache(Device.cpu(), tmp.resolve("c"), Long.MAX_VALUE, one, listener)) {
            render(cache, "honest-1");
            render(cache, "honest-2");
            assertThat(cache.keptLoraBytes()).isEqualTo(one);
            byte[] back = render(cache, "honest-1");
            assertThat(merged()).containsExactly("miss merged", "miss merged", "evicted merged", "miss merged", "evicted merged");
            assertThat(back).isEqualTo(fresh1);
            assertThat(cache.keptLoraBytes()).isLessThanOrEqualTo(one);
        }
        events.clear();
        // no room at all: every turn merges, nothing is kept
        try (ModelCache cache = new ModelCache(Device.cpu(), tmp.resolve("d"), Long.MAX_VALUE, one - 1, listener)) {
            render(cache, "honest-1");
            render(cache, "honest-2");
            assertThat(merged()).containsExactly("miss merged", "miss merged");
            assertThat(cache.keptLoraBytes()).isZero();
        }
    }

    @Test
    void shouldLeaveTheWeightsAsTheyWereWhenALoraDoesNotFit() {
        byte[] base;
        try (ModelCache cache = new ModelCache(Device.cpu(), tmp.resolve("a"), Long.MAX_VALUE, Long.MAX_VALUE, listener)) {
            base = render(cache, null);
            byte[] withLora = render(cache, "honest-1");
            ModelRef misfit = new ModelRef(Fixtures.models().resolve("loras/errors/wrong-shape.safetensors"), Optional.empty());
            assertThatThrownBy(() -> {
                try (ModelCache.Prepared p = cache.prepare(misfit, Optional.of(Fixtures.baseRef()));
                        LoadedModel.Session s = p.open()) {
                    Renderer.render(s, new ImageSpec(42, 1, PROMPT, SETTINGS));
                }
            }).isInstanceOf(EngineException.class).hasMessageContaining("does not fit the base");
            // the merged LoRA stays in; the next sessions restore or swap as usual
            assertThat(render(cache, "honest-1")).isEqualTo(withLora);
            assertThat(render(cache, null)).isEqualTo(base);
        }
    }
}
