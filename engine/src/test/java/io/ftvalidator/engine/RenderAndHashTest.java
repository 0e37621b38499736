package io.ftvalidator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.ftvalidator.engine.RenderAndHash.Failed;
import io.ftvalidator.engine.RenderAndHash.Hashed;
import io.ftvalidator.engine.RenderAndHash.Images;
import io.ftvalidator.engine.RenderAndHash.Models;
import io.ftvalidator.engine.RenderAndHash.Outcome;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.render.PromptEncodings;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.render.RenderSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The render-and-hash loop the worker and the command line share, on the fixture models. */
class RenderAndHashTest {

    private static final RenderSettings SETTINGS = RenderSettings.DEFAULTS.withSteps(8);
    private static final List<String> PROMPTS = List.of("a red circle on a blue background", "a green square", "a yellow star");

    @TempDir
    static Path tmp;

    private static ModelCache cache;

    @BeforeAll
    static void open() {
        EngineSetup.configure(2);
        cache = new ModelCache(Device.cpu(), tmp, Long.MAX_VALUE);
    }

    @AfterAll
    static void close() {
        cache.close();
    }

    private static Models lora(String name) {
        return new Models(Fixtures.loraRef(name), Optional.of(Fixtures.baseRef()));
    }

    @Test
    void shouldHashAnImageAloneAsInTheWholeRun() {
        // the command line renders every image in one go, a worker one image per job: same hashes
        List<Integer> seen = new ArrayList<>();
        Outcome all = RenderAndHash.render(cache, "honest-1", () -> lora("honest-1"),
                Images.all(42, PROMPTS, SETTINGS, HashAlgorithm.GOIMAGEHASH), PromptEncodings.none(), (id, index, image) -> seen.add(index));
        Outcome second = RenderAndHash.render(cache, "honest-1", () -> lora("honest-1"),
                Images.one(42, 1, PROMPTS.get(1), SETTINGS, HashAlgorithm.GOIMAGEHASH), PromptEncodings.none(), RenderAndHash.ImageListener.NONE);
        assertThat(all).isInstanceOf(Hashed.class);
        assertThat(seen).containsExactly(0, 1, 2);
        long[] hashes = ((Hashed) all).hashes();
        assertThat(hashes).hasSize(3).doesNotHaveDuplicates();
        assertThat(((Hashed) second).hashes()).containsExactly(hashes[1]);
        assertThat(((Hashed) all).digest()).isEqualTo(((Hashed) second).digest()).hasSize(64);
    }

    @Test
    void shouldCountAMissingModelAgainstTheSubmission() {
        Path nope = tmp.resolve("nope.safetensors");
        Outcome o = RenderAndHash.render(cache, "ghost", () -> new Models(new ModelRef(nope, Optional.empty()), Optional.of(Fixtures.baseRef())),
                Images.one(42, 0, "p", SETTINGS, HashAlgorithm.GOIMAGEHASH), PromptEncodings.none(), RenderAndHash.ImageListener.NONE);
        assertThat(o).isInstanceOf(Failed.class);
        Failed f = (Failed) o;
        assertThat(f.submissionId()).isEqualTo("ghost");
        assertThat(f.kind()).isEqualTo("NOT_FOUND");
        assertThat(f.message()).isEqualTo(nope + ": no such file");
        assertThat(f.submissionFault()).isTrue();
    }

    @Test
    void shouldCountAnUnexpectedErrorAgainstTheRendererNotTheSubmission() {
        Outcome o = RenderAndHash.render(cache, "x", () -> {
            throw new IllegalStateException("disk on fire");
        }, Images.one(42, 0, "p", SETTINGS, HashAlgorithm.GOIMAGEHASH), PromptEncodings.none(), RenderAndHash.ImageListener.NONE);
        Failed f = (Failed) o;
        assertThat(f.kind()).isEqualTo(RenderAndHash.WORKER_ERROR);
        assertThat(f.message()).isEqualTo("disk on fire");
        assertThat(f.submissionFault()).isFalse();
        assertThat(f.cause()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldHandAListenersFailureToTheCaller() {
        assertThatThrownBy(() -> RenderAndHash.render(cache, "honest-1", () -> lora("honest-1"),
                Images.one(42, 0, "p", SETTINGS, HashAlgorithm.GOIMAGEHASH), PromptEncodings.none(), (id, index, image) -> {
                    throw new IOException("disk full");
                }))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("disk full");
    }
}
