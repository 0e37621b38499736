package io.ftvalidator.engine.hash;

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

    static Coefficients lanczos(int inSize, int outSize) {
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

    /** Resizes an 'L' image of {@code width x height} to {@code outWidth x outHeight}. */
    static byte[] resize(byte[] pixels, int width, int height, int outWidth, int outHeight) {
        if (width == outWidth && height == outHeight) {
            return pixels.clone();
        }
        byte[] image = pixels;
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

    private static byte[] horizontal(byte[] src, int width, int height, Coefficients c) {
        int out = c.outSize;
        byte[] dst = new byte[out * height];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int xx = 0; xx < out; xx++) {
                int sum = half;
                int from = row + c.min[xx];
                int k = xx * c.taps;
                for (int x = 0, n = c.count[xx]; x < n; x++) {
                    sum += (src[from + x] & 0xff) * c.coeff[k + x];
                }
                dst[y * out + xx] = (byte) clip8(sum);
            }
        }
        return dst;
    }

    private static byte[] vertical(byte[] src, int width, int height, Coefficients c) {
        int out = c.outSize;
        byte[] dst = new byte[width * out];
        int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < out; yy++) {
            int k = yy * c.taps;
            int ymin = c.min[yy];
            for (int x = 0; x < width; x++) {
                int sum = half;
                for (int y = 0, n = c.count[yy]; y < n; y++) {
                    sum += (src[(y + ymin) * width + x] & 0xff) * c.coeff[k + y];
                }
                dst[yy * width + x] = (byte) clip8(sum);
            }
        }
        return dst;
    }
}
