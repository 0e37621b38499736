package io.ftvalidator.engine.render;

import io.ftvalidator.engine.bundle.SchedulerConfig;
import io.ftvalidator.render.Sampler;

/**
 * The training noise schedule (alphas' cumulative product) and the inference timesteps of each
 * sampler, in float64, as docs/rendering.md section 3 defines them.
 */
final class NoiseSchedule {

    private final SchedulerConfig config;
    private final double[] alphasCumprod;

    NoiseSchedule(SchedulerConfig config) {
        this.config = config;
        int n = config.numTrainTimesteps();
        double[] betas = "scaled_linear".equals(config.betaSchedule())
                ? square(linspace(StrictMath.sqrt(config.betaStart()), StrictMath.sqrt(config.betaEnd()), n))
                : linspace(config.betaStart(), config.betaEnd(), n);
        alphasCumprod = new double[n];
        double product = 1.0;
        for (int t = 0; t < n; t++) {
            product *= 1.0 - betas[t];
            alphasCumprod[t] = product;
        }
    }

    int trainSteps() {
        return alphasCumprod.length;
    }

    double alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    boolean setAlphaToOne() {
        return config.setAlphaToOne();
    }

    String predictionType() {
        return config.predictionType();
    }

    /** diffusers' class default for a scheduler config that names no timestep_spacing. */
    static String defaultSpacing(Sampler sampler) {
        return switch (sampler) {
            case DPM_SOLVER_PP -> "linspace";
            case DDIM -> "leading";
        };
    }

    /** The inference timesteps, from noisiest to cleanest. */
    int[] timesteps(Sampler sampler, int steps) {
        int n = trainSteps();
        String spacing = config.timestepSpacing().orElse(defaultSpacing(sampler));
        int offset = config.stepsOffset();
        int[] out = new int[steps];
        boolean dpm = sampler == Sampler.DPM_SOLVER_PP;
        switch (spacing) {
            case "leading" -> {
                // DDIM: arange(S) * (N // S); DPM-Solver++: arange(S + 1) * (N // (S + 1)), last dropped
                int ratio = dpm ? n / (steps + 1) : n / steps;
                for (int i = 0; i < steps; i++) {
                    out[i] = (steps - 1 - i + (dpm ? 1 : 0)) * ratio + offset;
                }
            }
            case "linspace" -> {
                // DDIM: linspace(0, N - 1, S); DPM-Solver++: linspace(0, N - 1, S + 1), last dropped
                double[] grid = linspace(0, n - 1, dpm ? steps + 1 : steps);
                for (int i = 0; i < steps; i++) {
                    out[i] = (int) Math.rint(grid[grid.length - 1 - i]);
                }
            }
            case "trailing" -> {
                // round(arange(N, 0, -N / S)) - 1, with numpy's arange arithmetic
                double start = n;
                double delta = (start + (-(double) n / steps)) - start;
                for (int i = 0; i < steps; i++) {
                    out[i] = (int) Math.rint(start + i * delta) - 1;
                }
            }
            default -> throw new IllegalStateException("unchecked spacing " + spacing);
        }
        for (int t : out) {
            if (t < 0 || t >= n) {
                throw new IllegalArgumentException(
                        steps + " " + spacing + " steps give timestep " + t + ", outside 0.." + (n - 1));
            }
        }
        return out;
    }

    /** numpy's linspace: {@code start + i * step}, the last value exactly {@code stop}. */
    static double[] linspace(double start, double stop, int count) {
        double[] out = new double[count];
        if (count == 1) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / (count - 1);
        for (int i = 0; i < count; i++) {
            out[i] = i * step + start;
        }
        out[count - 1] = stop;
        return out;
    }

    private static double[] square(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * values[i];
        }
        return out;
    }
}
