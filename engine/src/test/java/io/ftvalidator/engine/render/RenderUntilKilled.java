package io.ftvalidator.engine.render;

import ai.djl.Device;
import io.ftvalidator.engine.EngineSetup;
import io.ftvalidator.engine.Fixtures;
import io.ftvalidator.engine.LibTorchExit;
import io.ftvalidator.engine.ModelCache;
import io.ftvalidator.render.RenderSettings;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Renders the fixture base model until the process is killed, printing "rendering" once the first
 * image is done; the process that {@link ExitWhileRenderingTest} stops. Argument: a cache folder.
 */
public final class RenderUntilKilled {

    private RenderUntilKilled() {}

    public static void main(String[] args) {
        LibTorchExit.install(); // as the command line does
        EngineSetup.configure(2);
        RenderSettings settings = RenderSettings.DEFAULTS;
        try (ModelCache cache = new ModelCache(Device.cpu(), Path.of(args[0]), Long.MAX_VALUE);
                ModelCache.Prepared prepared = cache.prepare(Fixtures.baseRef(), Optional.empty());
                LoadedModel.Session session = prepared.open()) {
            for (int i = 0; ; i++) {
                Renderer.render(session, new ImageSpec(42, i, "a red circle on a blue background", settings));
                if (i == 0) {
                    System.out.println("rendering");
                    System.out.flush();
                }
            }
        }
    }
}
