package io.ftvalidator.cli;

import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.engine.bundle.ModelRef;
import io.ftvalidator.engine.render.ImageSpec;
import io.ftvalidator.engine.render.LoadedModel;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.engine.render.Renderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "render", description = "Renders one image of a model (a bundle, or a LoRA on its --base) to a PNG.")
final class RenderCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "bundle (dir or .zip) or LoRA (.safetensors or PEFT folder), optionally PATH#sha256=HEX")
    String model;

    @Option(names = "--base", description = "the base bundle a LoRA applies to")
    String base;

    @Option(names = "--seed", required = true, converter = SeedConverter.class, description = "unsigned 64-bit seed")
    long seed;

    @Option(names = "--index", defaultValue = "0", description = "image index within the validation (default: ${DEFAULT-VALUE})")
    long index;

    @Option(names = "--prompt", required = true)
    String prompt;

    @Option(names = "--out", required = true, description = "the PNG to write")
    Path out;

    @Option(names = "--json", description = "print {out, width, height, millis, hash} as JSON (hash: goimagehash, 16 hex digits)")
    boolean json;

    @Mixin
    RenderOptions render;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws IOException {
        ImageSpec image = new ImageSpec(seed, index, prompt, render.settings());
        try (ModelCache cache = engine.openCache();
                ModelCache.Prepared prepared = cache.prepare(ModelRef.parse(model), Optional.ofNullable(base).map(ModelRef::parse))) {
            long start = System.nanoTime();
            RenderedImage rendered;
            try (LoadedModel.Session session = prepared.open()) {
                rendered = Renderer.render(session, image);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, rendered.toPng());
            if (json) {
                String hash = PerceptualHash.toHex(PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, rendered.rgb(), rendered.width(), rendered.height()));
                spec.commandLine().getOut().println(CoordinatorClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                        CoordinatorClient.JSON.createObjectNode().put("out", out.toString()).put("width", rendered.width())
                                .put("height", rendered.height()).put("millis", millis).put("hash", hash)
                                .put("device", cache.device().toString()).put("precision", engine.precision)));
            } else {
                spec.commandLine().getOut().printf("%s %dx%d in %d ms on %s, %s%n", out, rendered.width(), rendered.height(), millis,
                        cache.device(), engine.precision);
            }
        }
        return 0;
    }
}
