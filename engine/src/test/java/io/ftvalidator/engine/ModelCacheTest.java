package io.ftvalidator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.bundle.Verified;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the cache tells its listener (the worker's cache metrics): hits, misses, evictions and the bytes loaded. */
class ModelCacheTest {

    @TempDir
    Path tmp;

    @Test
    void shouldReportHitsMissesAndAnEvictionOnceNobodyHoldsAModelOverTheBudget() {
        EngineSetup.configure(2);
        List<String> events = new ArrayList<>();
        ModelCache.Listener listener = new ModelCache.Listener() {
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
                events.add(bytes > 0 ? "evicted " + kind : "evicted nothing");
            }
        };
        // named by digest, as the worker names what it fetched: a second lookup finds what the first loaded
        ModelRef lora = new ModelRef(Fixtures.lora("honest-1"), Optional.of(Verified.digestOf(Fixtures.lora("honest-1"))));
        ModelRef base = new ModelRef(Fixtures.base(), Optional.of(Verified.digestOf(Fixtures.base())));
        // a budget of 0 bytes: a base stays loaded only while it is held
        try (ModelCache cache = new ModelCache(Device.cpu(), tmp, 0, listener)) {
            try (ModelCache.Prepared first = cache.prepare(lora, Optional.of(base));
                    ModelCache.Prepared second = cache.prepare(lora, Optional.of(base))) {
                assertThat(cache.loadedBytes()).isPositive();
            }
            assertThat(cache.loadedBytes()).isZero();
        }
        assertThat(events).containsExactly("miss lora", "miss base", "hit lora", "hit base", "evicted base");
    }
}
