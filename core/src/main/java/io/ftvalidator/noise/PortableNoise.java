package io.ftvalidator.noise;

/**
 * The starting noise and the prompt draw of docs/rendering.md section 1: Philox4x32-10 keyed by
 * the validation seed, counter (block, image index, stream), Box-Muller in float64, rounded to
 * float32. {@code python/noise.py} is the same in a few lines of Python.
 */
public final class PortableNoise {

    /** Stream of the starting latent noise. */
    public static final int LATENT_STREAM = 0;
    /** Stream of the prompt draw. */
    public static final int PROMPT_STREAM = 1;

    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private PortableNoise() {}

    /** The first {@code count} normals of image {@code index} for {@code seed} (unsigned 64-bit). */
    public static float[] normals(long seed, long index, int count) {
        requireIndex(index);
        float[] out = new float[count];
        for (int j = 0; 2 * j < count; j++) {
            int[] w = block(seed, index, LATENT_STREAM, j);
            long a = word64(w[0], w[1]);
            long b = word64(w[2], w[3]);
            double u1 = ((a >>> 11) + 1) * TWO_POW_MINUS_53;
            double u2 = (b >>> 11) * TWO_POW_MINUS_53;
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double t = 2.0 * Math.PI * u2;
            out[2 * j] = (float) (r * StrictMath.cos(t));
            if (2 * j + 1 < count) {
                out[2 * j + 1] = (float) (r * StrictMath.sin(t));
            }
        }
        return out;
    }

    /** Which of {@code poolSize} prompts image {@code index} takes. */
    public static int promptChoice(long seed, long index, int poolSize) {
        requireIndex(index);
        if (poolSize < 1) {
            throw new IllegalArgumentException("the prompt pool is empty");
        }
        int[] w = block(seed, index, PROMPT_STREAM, 0);
        return (int) Long.remainderUnsigned(word64(w[0], w[1]), poolSize);
    }

    /** Philox block {@code j} of stream {@code stream} for image {@code index}. */
    public static int[] block(long seed, long index, int stream, long j) {
        return Philox.block((int) j, (int) (j >>> 32), (int) index, stream, (int) seed, (int) (seed >>> 32));
    }

    private static long word64(int low, int high) {
        return (low & 0xFFFFFFFFL) | ((long) high << 32);
    }

    private static void requireIndex(long index) {
        if (index < 0 || index > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("image index must be in [0, 2^32), got " + index);
        }
    }
}
