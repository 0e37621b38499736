package io.ftvalidator.engine.render;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.LibTorchExit;
import io.ftvalidator.engine.bundle.VaeConfig;
import io.ftvalidator.engine.render.RenderProfile.Stage;
import io.ftvalidator.noise.PortableNoise;
import io.ftvalidator.render.RenderSettings;
import java.util.Arrays;

/**
 * Renders one image as docs/rendering.md defines it: portable starting noise, text conditioning,
 * classifier-free guidance, the sampler's steps, VAE decode, 8-bit quantization.
 */
public final class Renderer {

    private Renderer() {}

    /**
     * Renders with the model of an open session (base weights, or a LoRA merged into them). While
     * the JVM exits, the render stops for good at the next step (see {@link LibTorchExit}).
     */
    public static RenderedImage render(LoadedModel.Session session, ImageSpec spec) {
        return render(session, spec, PromptEncodings.none(), RenderProfile.OFF);
    }

    /**
     * Renders as {@link #render(LoadedModel.Session, ImageSpec)}, with the prompts' encodings shared with
     * the other renders of {@code encodings}, adding each stage's time to {@code profile}.
     */
    public static RenderedImage render(LoadedModel.Session session, ImageSpec spec, PromptEncodings encodings, RenderProfile profile) {
        return LibTorchExit.work(() -> renderNow(session, spec, encodings, profile));
    }

    private static RenderedImage renderNow(LoadedModel.Session session, ImageSpec spec, PromptEncodings encodings, RenderProfile profile) {
        LoadedModel model = session.model();
        RenderSettings settings = spec.settings();
        VaeConfig vae = model.bundle().vae();
        int width = settings.width() == 0 ? vae.sampleSize() : settings.width();
        int height = settings.height() == 0 ? vae.sampleSize() : settings.height();
        int factor = vae.spatialFactor();
        if (width % factor != 0 || height % factor != 0) {
            throw new EngineException(
                    Kind.BAD_INPUT, "image size " + width + "x" + height + " is not a multiple of the model's factor " + factor);
        }
        Shape latentShape = new Shape(1, vae.latentChannels(), height / factor, width / factor);
        Stepper stepper = Stepper.start(settings.sampler(), model.schedule(), settings.steps());
        boolean guided = settings.guided();
        int batch = guided ? 2 : 1;
        Shape batchShape = new Shape(batch, vae.latentChannels(), height / factor, width / factor);
        try (NDManager manager = model.newManager()) {
            float[] x = PortableNoise.normals(spec.seed(), spec.index(), (int) latentShape.size());
            long t0 = System.nanoTime();
            long[][] tokens = guided ? model.tokens(settings.negativePrompt(), spec.prompt()) : model.tokens(spec.prompt());
            t0 = profile.add(Stage.TOKENIZE, t0);
            NDArray hidden = encodings.encode(session, manager, tokens);
            t0 = profile.add(Stage.TEXT_ENCODE, t0);
            int[] timesteps = stepper.timesteps();
            for (int k = 0; k < timesteps.length; k++) {
                LibTorchExit.checkpoint();
                float[] output;
                // the same latent for the unconditional and the conditional half of the batch
                float[] input = guided ? twice(x) : x;
                float[] ts = new float[batch];
                Arrays.fill(ts, timesteps[k]);
                try (NDArray latent = manager.create(input, batchShape);
                        NDArray t = manager.create(ts);
                        NDArray out = model.predict(latent, t, hidden)) {
                    output = out.toFloatArray();
                }
                t0 = profile.add(Stage.UNET, t0);
                if (guided) {
                    output = Stepper.guide(output, settings.guidance());
                }
                x = stepper.step(k, x, output);
                t0 = profile.add(Stage.GUIDANCE_AND_STEP, t0);
            }
            LibTorchExit.checkpoint();
            NDArray image = model.decode(manager.create(Stepper.scale(x, 1.0 / vae.scalingFactor()), latentShape));
            t0 = profile.add(Stage.VAE_DECODE, t0);
            RenderedImage out = quantize(image, width, height, model);
            profile.add(Stage.QUANTIZE, t0);
            return out;
        }
    }

    private static float[] twice(float[] x) {
        float[] out = Arrays.copyOf(x, 2 * x.length);
        System.arraycopy(x, 0, out, x.length, x.length);
        return out;
    }

    /** {@code uint8(round(clamp(img * 0.5 + 0.5, 0, 1) * 255))}, CHW to interleaved RGB, in float32 as the reference does it. */
    private static RenderedImage quantize(NDArray image, int width, int height, LoadedModel model) {
        Shape expected = new Shape(1, 3, height, width);
        if (!image.getShape().equals(expected)) {
            throw new EngineException(
                    Kind.RENDER_FAILED, model.bundle().name() + ": the VAE decoder returned " + image.getShape() + ", expected " + expected);
        }
        float[] planar = image.toFloatArray();
        for (float v : planar) {
            if (Float.isNaN(v)) {
                throw new EngineException(Kind.RENDER_FAILED, model.bundle().name() + ": the render is not finite (NaN in the image)");
            }
        }
        int plane = width * height;
        byte[] rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < plane; p++) {
                // float32 operations in libtorch's order; rint rounds half to even as torch.round does
                float v = planar[c * plane + p] * 0.5f + 0.5f;
                v = Math.min(Math.max(v, 0.0f), 1.0f) * 255.0f;
                rgb[3 * p + c] = (byte) (int) Math.rint(v);
            }
        }
        return new RenderedImage(width, height, rgb);
    }
}
