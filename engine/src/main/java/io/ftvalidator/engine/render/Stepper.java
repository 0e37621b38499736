package io.ftvalidator.engine.render;

import io.ftvalidator.render.Sampler;

/**
 * One render's walk through the timesteps: pure arithmetic, no model. Every update is a linear
 * combination with float64 coefficients rounded to float32, evaluated left to right (docs/rendering.md
 * section 4), so that the Python reference can repeat it operation for operation. It runs on the
 * latent in Java floats: each multiply and add is one IEEE float32 operation, rounded as libtorch's
 * elementwise kernels round it (Java never fuses them), so the bits are those of the same operations
 * on tensors, without a native call and a tensor per operation.
 */
abstract sealed class Stepper permits Stepper.Ddim, Stepper.DpmSolverPlusPlus {

    final NoiseSchedule schedule;
    final int[] timesteps;

    private Stepper(NoiseSchedule schedule, int[] timesteps) {
        this.schedule = schedule;
        this.timesteps = timesteps;
    }

    static Stepper start(Sampler sampler, NoiseSchedule schedule, int steps) {
        int[] timesteps = schedule.timesteps(sampler, steps);
        return switch (sampler) {
            case DDIM -> new Ddim(schedule, timesteps);
            case DPM_SOLVER_PP -> new DpmSolverPlusPlus(schedule, timesteps);
        };
    }

    int[] timesteps() {
        return timesteps.clone();
    }

    /** The latent after step {@code k}, from the latent before it and the (guided) model output. */
    abstract float[] step(int k, float[] x, float[] modelOutput);

    /** The predicted clean latent at timestep {@code t}. */
    final float[] predictedSample(int t, float[] x, float[] o) {
        double at = StrictMath.sqrt(schedule.alphaCumprod(t));
        double st = StrictMath.sqrt(1.0 - schedule.alphaCumprod(t));
        return switch (schedule.predictionType()) {
            case "epsilon" -> combine(x, 1.0 / at, o, -st / at);
            case "v_prediction" -> combine(x, at, o, -st);
            default -> o;
        };
    }

    /** The predicted noise at timestep {@code t}. */
    final float[] predictedNoise(int t, float[] x, float[] o) {
        double at = StrictMath.sqrt(schedule.alphaCumprod(t));
        double st = StrictMath.sqrt(1.0 - schedule.alphaCumprod(t));
        return switch (schedule.predictionType()) {
            case "epsilon" -> o;
            case "v_prediction" -> combine(x, st, o, at);
            default -> combine(x, 1.0 / st, o, -at / st);
        };
    }

    /** {@code a * ca + b * cb}, elementwise in float32. */
    static float[] combine(float[] a, double ca, float[] b, double cb) {
        float fa = (float) ca;
        float fb = (float) cb;
        float[] out = new float[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] * fa + b[i] * fb;
        }
        return out;
    }

    /** {@code (a * ca + b * cb) + c * cc}, elementwise in float32. */
    static float[] combine(float[] a, double ca, float[] b, double cb, float[] c, double cc) {
        float fa = (float) ca;
        float fb = (float) cb;
        float fc = (float) cc;
        float[] out = new float[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (a[i] * fa + b[i] * fb) + c[i] * fc;
        }
        return out;
    }

    /** {@code a * c}, elementwise in float32. */
    static float[] scale(float[] a, double c) {
        float f = (float) c;
        float[] out = new float[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] * f;
        }
        return out;
    }

    /**
     * Classifier-free guidance on a batched output {@code [unconditional; conditional]}:
     * {@code u + (c - u) * scale}, elementwise in float32.
     */
    static float[] guide(float[] both, double scale) {
        float g = (float) scale;
        int n = both.length / 2;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float u = both[i];
            out[i] = u + (both[n + i] - u) * g;
        }
        return out;
    }

    /** DDIM, eta 0. */
    static final class Ddim extends Stepper {

        private final int stride;

        Ddim(NoiseSchedule schedule, int[] timesteps) {
            super(schedule, timesteps);
            stride = schedule.trainSteps() / timesteps.length;
        }

        @Override
        float[] step(int k, float[] x, float[] o) {
            int t = timesteps[k];
            int prev = t - stride;
            double ap = prev >= 0
                    ? schedule.alphaCumprod(prev)
                    : schedule.setAlphaToOne() ? 1.0 : schedule.alphaCumprod(0);
            if ("epsilon".equals(schedule.predictionType())) {
                double at = StrictMath.sqrt(schedule.alphaCumprod(t));
                double st = StrictMath.sqrt(1.0 - schedule.alphaCumprod(t));
                return combine(x, StrictMath.sqrt(ap) / at, o, StrictMath.sqrt(1.0 - ap) - StrictMath.sqrt(ap) * st / at);
            }
            return combine(predictedSample(t, x, o), StrictMath.sqrt(ap), predictedNoise(t, x, o), StrictMath.sqrt(1.0 - ap));
        }
    }

    /** DPM-Solver++ 2M (midpoint), first order on the first and the last step, final sigma zero. */
    static final class DpmSolverPlusPlus extends Stepper {

        private float[] previousSample;

        DpmSolverPlusPlus(NoiseSchedule schedule, int[] timesteps) {
            super(schedule, timesteps);
        }

        @Override
        float[] step(int k, float[] x, float[] o) {
            int s0 = timesteps[k];
            float[] m0 = predictedSample(s0, x, o);
            float[] next;
            if (k == timesteps.length - 1) {
                next = m0; // sigma_t = 0, alpha_t = 1: the sample is the prediction
            } else {
                int t = timesteps[k + 1];
                double alphaT = alpha(t);
                double h = lambda(t) - lambda(s0);
                double ratio = sigma(t) / sigma(s0);
                double kk = alphaT * (1.0 - StrictMath.exp(-h));
                if (k == 0) {
                    next = combine(x, ratio, m0, kk);
                } else {
                    double r0 = (lambda(s0) - lambda(timesteps[k - 1])) / h;
                    next = combine(x, ratio, m0, kk * (1.0 + 0.5 / r0), previousSample, -0.5 * kk / r0);
                }
            }
            previousSample = m0;
            return next;
        }

        private double alpha(int t) {
            return StrictMath.sqrt(schedule.alphaCumprod(t));
        }

        private double sigma(int t) {
            return StrictMath.sqrt(1.0 - schedule.alphaCumprod(t));
        }

        private double lambda(int t) {
            return StrictMath.log(alpha(t)) - StrictMath.log(sigma(t));
        }
    }
}
