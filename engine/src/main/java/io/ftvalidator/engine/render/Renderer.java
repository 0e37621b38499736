package io.ftvalidator.engine.render;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import io.ftvalidator.engine.LibTorchExit;
import io.ftvalidator.engine.bundle.VaeConfig;
import io.ftvalidator.noise.PortableNoise;
import io.ftvalidator.render.RenderSettings;

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
        return LibTorchExit.work(() -> renderNow(session, spec));
    }

    private static RenderedImage renderNow(LoadedModel.Session session, ImageSpec spec) {
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
        try (NDManager manager = model.newManager()) {
            NDArray x = manager.create(PortableNoise.normals(spec.seed(), spec.index(), (int) latentShape.size()), latentShape);
            boolean guided = settings.guided();
            NDArray hidden = guided
                    ? model.encode(manager, settings.negativePrompt(), spec.prompt())
                    : model.encode(manager, spec.prompt());
            int[] timesteps = stepper.timesteps();
            for (int k = 0; k < timesteps.length; k++) {
                LibTorchExit.checkpoint();
                float t = timesteps[k];
                NDArray output;
                if (guided) {
                    NDArray both = model.predict(NDArrays.concat(new NDList(x, x)), manager.create(new float[] {t, t}), hidden);
                    NDArray unconditional = both.get("0:1");
                    NDArray conditional = both.get("1:2");
                    output = unconditional.add(conditional.sub(unconditional).mul((float) settings.guidance()));
                } else {
                    output = model.predict(x, manager.create(new float[] {t}), hidden);
                }
                x = stepper.step(k, x, output);
            }
            LibTorchExit.checkpoint();
            NDArray image = model.decode(x.mul((float) (1.0 / vae.scalingFactor())));
            return quantize(image, width, height, model);
        }
    }

    /** {@code uint8(round(clamp(img * 0.5 + 0.5, 0, 1) * 255))}, CHW to interleaved RGB. */
    private static RenderedImage quantize(NDArray image, int width, int height, LoadedModel model) {
        Shape expected = new Shape(1, 3, height, width);
        if (!image.getShape().equals(expected)) {
            throw new EngineException(
                    Kind.RENDER_FAILED, model.bundle().name() + ": the VAE decoder returned " + image.getShape() + ", expected " + expected);
        }
        if (image.isNaN().any().getBoolean()) {
            throw new EngineException(Kind.RENDER_FAILED, model.bundle().name() + ": the render is not finite (NaN in the image)");
        }
        NDArray pixels = image.mul(0.5f).add(0.5f).clip(0.0f, 1.0f).mul(255.0f).round().toType(DataType.UINT8, false);
        byte[] planar = pixels.toByteArray();
        int plane = width * height;
        byte[] rgb = new byte[3 * plane];
        for (int p = 0; p < plane; p++) {
            rgb[3 * p] = planar[p];
            rgb[3 * p + 1] = planar[plane + p];
            rgb[3 * p + 2] = planar[2 * plane + p];
        }
        return new RenderedImage(width, height, rgb);
    }
}
