package io.ftvalidator.engine.hash;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Pillow 9.4 {@code Image.resize(size, Image.LANCZOS)} of an 'L' image (libImaging/Resample.c): a
 * horizontal pass, then a vertical pass, each with Lanczos-3 coefficients normalised to sum 1 and
 * converted to 22-bit fixed point ({@code PRECISION_BITS = 32 - 8 - 2}); each output is
 * {@code clip8((2^21 + sum(coeff * sample)) >> 22)}. A pass whose size does not change is skipped,
 * and an image already of the requested size is returned as is.
 */
final class PillowResample {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double LANCZOS_SUPPORT = 3.0;

    private PillowResample() {
    }

    /** Filter coefficients of every output position (Resample.c {@code precompute_coeffs}). */
    static final class Coefficients {
        final int outSize;
        final int taps; // ksize: stride of coeff
        final int[] min; // first source index of each output
        final int[] count; // number of source samples of each output
        final int[] coeff; // fixed point, [output * taps + i]

        private Coefficients(int outSize, int taps, int[] min, int[] count, int[] coeff) {
            this.outSize = outSize;
            this.taps = taps;
            this.min = min;
            this.count = count;
            this.coeff = coeff;
        }
    }

    /**
     * Coefficients already computed, per (input size, output size): immutable, so shared between
     * threads. Computing them takes thousands of {@code sin} calls, as long as the resize itself.
     */
    private static final ConcurrentHashMap<Long, Coefficients> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 256;

    static Coefficients lanczos(int inSize, int outSize) {
        Long key = (long) inSize << 32 | outSize;
        Coefficients cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Coefficients computed = computeLanczos(inSize, outSize);
        if (CACHE.size() < CACHE_LIMIT) {
            CACHE.putIfAbsent(key, computed);
        }
        return computed;
    }

    private static Coefficients computeLanczos(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = LANCZOS_SUPPORT * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] min = new int[outSize];
        int[] count = new int[outSize];
        int[] coeff = new int[outSize * taps];
        double[] k = new double[taps];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = lanczosFilter((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                coeff[xx * taps + x] = w < 0
                        ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            min[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(outSize, taps, min, count, coeff);
    }

    private static double lanczosFilter(double x) {
        if (-3.0 <= x && x < 3.0) {
            return sinc(x) * sinc(x / 3);
        }
        return 0.0;
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        x = x * Math.PI;
        return StrictMath.sin(x) / x;
    }

    /** Pillow's {@code clip8}: the fixed-point sum shifted down and clamped to 0..255. */
    private static int clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Resizes an 'L' image (one value 0..255 per int) of {@code width x height} to {@code outWidth x outHeight}. */
    static int[] resize(int[] pixels, int width, int height, int outWidth, int outHeight) {
        if (width == outWidth && height == outHeight) {
            return pixels.clone();
        }
        int[] image = pixels;
        int w = width;
        if (outWidth != width) {
            image = horizontal(image, width, height, lanczos(width, outWidth));
            w = outWidth;
        }
        if (outHeight != height) {
            image = vertical(image, w, height, lanczos(height, outHeight));
        }
        return image;
    }

    private static int[] horizontal(int[] src, int width, int height, Coefficients c) {
        int out = c.outSize;
        int[] dst = new int[out * height];
        int half = 1 << (PRECISION_BITS - 1);
        int[] min = c.min;
        int[] count = c.count;
        int[] coeff = c.coeff;
        int taps = c.taps;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int xx = 0; xx < out; xx++) {
                int sum = half;
                int from = row + min[xx];
                int k = xx * taps;
                for (int x = 0, n = count[xx]; x < n; x++) {
                    sum += src[from + x] * coeff[k + x];
                }
                dst[y * out + xx] = clip8(sum);
            }
        }
        return dst;
    }

    private static int[] vertical(int[] src, int width, int height, Coefficients c) {
        int out = c.outSize;
        int[] dst = new int[width * out];
        int half = 1 << (PRECISION_BITS - 1);
        int[] sums = new int[width];
        for (int yy = 0; yy < out; yy++) {
            int k = yy * c.taps;
            int ymin = c.min[yy];
            java.util.Arrays.fill(sums, half);
            // Row by row, so that the inner loop runs along memory. Integer sums do not depend
            // on the order of their terms.
            for (int y = 0, n = c.count[yy]; y < n; y++) {
                int coefficient = c.coeff[k + y];
                int row = (y + ymin) * width;
                for (int x = 0; x < width; x++) {
                    sums[x] += src[row + x] * coefficient;
                }
            }
            for (int x = 0; x < width; x++) {
                dst[yy * width + x] = clip8(sums[x]);
            }
        }
        return dst;
    }
}
