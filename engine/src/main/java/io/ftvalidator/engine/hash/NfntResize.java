package io.ftvalidator.engine.hash;

import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code github.com/nfnt/resize} (commit 83c6a99, the version goimagehash v1.1.0 pins) with its
 * {@code Bilinear} filter, in integer fixed point exactly as it does it.
 *
 * <p>nfnt/resize filters horizontally first, into a transposed temporary image rounded to the
 * sample size (8 or 16 bits), then filters that image the same way, which is the vertical pass.
 * Each output sample is {@code clamp(sum(coeff * sample) / sum(coeff))} with Go's truncating integer
 * division; source positions outside the image are clamped to its edge. 8-bit images use
 * coefficients scaled by 256 (Go {@code int16}) and 32-bit sums; 16-bit images and images without a
 * type-specific path use coefficients scaled by 65536 and 64-bit sums.
 *
 * <p>Planes here are channel-separate {@code int} arrays. The temporary plane of a channel is
 * stored transposed, {@code [outputColumn * height + inputRow]}, as nfnt/resize does; final planes
 * are row-major {@code [y * outWidth + x]}.
 */
final class NfntResize {

    private NfntResize() {
    }

    /**
     * The filter taps of every output position: output {@code i} reads source positions
     * {@code low[i], low[i] + 1, ...} with coefficients {@code coeff[first[i] .. first[i + 1])}.
     *
     * <p>nfnt/resize clamps each tap's source position to the image and skips zero coefficients;
     * here taps that clamp to the same edge pixel are merged by adding their coefficients, which
     * gives the same integer sums, so every output reads a contiguous run of source positions.
     */
    static final class Taps {
        final int outSize;
        final int[] low;
        final int[] first;
        final int[] coeff;
        /** Sum of the coefficients of each output: the divisor. */
        final int[] sum;
        /** {@link #sum} as divisors for the 8-bit passes. */
        final Divisor[] divisors;

        private Taps(int outSize, int[] low, int[] first, int[] coeff, int[] sum) {
            this.outSize = outSize;
            this.low = low;
            this.first = first;
            this.coeff = coeff;
            this.sum = sum;
            this.divisors = Divisor.of(sum);
        }
    }

    private record TapsKey(int inSize, int outSize, int scaleBits) {}

    /** Taps already computed: immutable, so shared between threads. */
    private static final ConcurrentHashMap<TapsKey, Taps> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 256;

    /**
     * nfnt/resize {@code createWeights8} ({@code scaleBits} 8) or {@code createWeights16}
     * ({@code scaleBits} 16) for the bilinear kernel, with {@code blur} 1; kept per
     * (input size, output size, bits) for later calls.
     */
    static Taps bilinearTaps(int inSize, int outSize, int scaleBits) {
        TapsKey key = new TapsKey(inSize, outSize, scaleBits);
        Taps cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Taps computed = computeBilinearTaps(inSize, outSize, scaleBits);
        if (CACHE.size() < CACHE_LIMIT) {
            CACHE.putIfAbsent(key, computed);
        }
        return computed;
    }

    private static Taps computeBilinearTaps(int inSize, int outSize, int scaleBits) {
        double scale = (double) inSize / outSize;
        int filterLength = 2 * (int) Math.max(Math.ceil(scale), 1);
        double filterFactor = Math.min(1.0 / scale, 1);
        double unit = 1 << scaleBits;
        int[] low = new int[outSize];
        int[] first = new int[outSize + 1];
        int[] coeff = new int[outSize * filterLength];
        int[] sum = new int[outSize];
        int n = 0;
        for (int y = 0; y < outSize; y++) {
            double interp = scale * (y + 0.5) - 0.5;
            int start = (int) interp - filterLength / 2 + 1;
            interp -= start;
            first[y] = n;
            int lowest = -1;
            for (int i = 0; i < filterLength; i++) {
                double in = (interp - i) * filterFactor;
                int c = (int) (linear(in) * unit); // Go int16(...) or int32(...): truncation
                if (c == 0) {
                    continue;
                }
                int source = Math.min(Math.max(start + i, 0), inSize - 1);
                if (lowest < 0) {
                    lowest = source;
                }
                int slot = first[y] + source - lowest;
                while (n <= slot) {
                    coeff[n++] = 0;
                }
                coeff[slot] += c;
                sum[y] += c;
            }
            low[y] = Math.max(lowest, 0);
        }
        first[outSize] = n;
        return new Taps(outSize, low, first, coeff, sum);
    }

    private static double linear(double in) {
        in = Math.abs(in);
        return in <= 1 ? 1 - in : 0;
    }

    /** Go's {@code clampUint8} of a 32-bit value (also libjpeg's range limit to 0..255). */
    static int clamp8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Go's {@code clampUint16} of a 64-bit value. */
    static int clamp16(long v) {
        return v < 0 ? 0 : (int) Math.min(v, 65535);
    }

    /**
     * Horizontal 8-bit pass over interleaved bytes with {@code channels} samples per pixel, all of
     * them filtered. Returns one transposed plane per channel.
     */
    static int[][] horizontal8(byte[] src, int width, int height, int channels, Taps taps) {
        int out = taps.outSize;
        int[][] planes = new int[channels][out * height];
        int[] low = taps.low;
        int[] first = taps.first;
        int[] coeff = taps.coeff;
        Divisor[] divisors = taps.divisors;
        if (channels == 3 && fitsPackedLanes(taps)) {
            horizontalPackedRgb8(src, width, height, taps, planes);
            return planes;
        }
        for (int c = 0; c < channels; c++) {
            int[] plane = planes[c];
            for (int y = 0; y < height; y++) {
                int row = y * width * channels + c;
                for (int x = 0, at = y; x < out; x++, at += height) {
                    int s = 0;
                    int o = row + low[x] * channels;
                    for (int t = first[x], end = first[x + 1]; t < end; t++, o += channels) {
                        s += coeff[t] * (src[o] & 0xff);
                    }
                    plane[at] = divisors[x].divide(s);
                }
            }
        }
        return planes;
    }

    /** Bits per lane when R, G and B are filtered together in one long. */
    private static final int LANE = 21;
    private static final long LANE_MASK = (1L << LANE) - 1;

    /** Whether every 8-bit sum of a 255-valued channel stays below 2^21, so lanes cannot carry. */
    private static boolean fitsPackedLanes(Taps taps) {
        for (int s : taps.sum) {
            if (255L * s >= 1L << LANE) {
                return false;
            }
        }
        return true;
    }

    /**
     * The 3-channel 8-bit horizontal pass with the three channel sums computed at once: each pixel
     * is packed as {@code r << 42 | g << 21 | b}, and {@code coeff * packed} adds
     * {@code coeff * r}, {@code coeff * g} and {@code coeff * b} into separate 21-bit lanes. The
     * coefficients and samples are non-negative and every lane sum is below 2^21
     * ({@link #fitsPackedLanes}), so the lanes hold exactly nfnt/resize's three integer sums.
     */
    private static void horizontalPackedRgb8(byte[] src, int width, int height, Taps taps, int[][] planes) {
        int out = taps.outSize;
        Divisor[] divisors = taps.divisors;
        int[] low = taps.low;
        int[] first = taps.first;
        int[] coeff = taps.coeff;
        int[] p0 = planes[0];
        int[] p1 = planes[1];
        int[] p2 = planes[2];
        long[] packed = new long[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0, o = y * width * 3; x < width; x++, o += 3) {
                packed[x] = (long) (src[o] & 0xff) << (2 * LANE) | (src[o + 1] & 0xff) << LANE | (src[o + 2] & 0xff);
            }
            for (int x = 0, at = y; x < out; x++, at += height) {
                long s = 0;
                int from = low[x] - first[x];
                for (int t = first[x], end = first[x + 1]; t < end; t++) {
                    s += coeff[t] * packed[from + t];
                }
                Divisor d = divisors[x];
                p0[at] = d.divide((int) (s >>> (2 * LANE)));
                p1[at] = d.divide((int) ((s >>> LANE) & LANE_MASK));
                p2[at] = d.divide((int) (s & LANE_MASK));
            }
        }
    }

    /**
     * Vertical 8-bit pass: filters each transposed plane (columns of length {@code height}) with
     * {@code taps}; returns row-major planes of {@code outWidth x taps.outSize}.
     */
    static int[][] vertical8(int[][] transposed, int height, int outWidth, Taps taps) {
        int outHeight = taps.outSize;
        int[][] planes = new int[transposed.length][outWidth * outHeight];
        int[] low = taps.low;
        int[] first = taps.first;
        int[] coeff = taps.coeff;
        Divisor[] divisors = taps.divisors;
        for (int ch = 0; ch < transposed.length; ch++) {
            int[] src = transposed[ch];
            int[] dst = planes[ch];
            for (int x = 0; x < outWidth; x++) {
                int column = x * height;
                for (int y = 0; y < outHeight; y++) {
                    int s = 0;
                    int o = column + low[y];
                    for (int t = first[y], end = first[y + 1]; t < end; t++, o++) {
                        s += coeff[t] * src[o];
                    }
                    dst[y * outWidth + x] = divisors[y].divide(s);
                }
            }
        }
        return planes;
    }

    /** Horizontal 16-bit pass over interleaved 16-bit samples; see {@link #horizontal8}. */
    static int[][] horizontal16(char[] src, int width, int height, int channels, Taps taps) {
        int out = taps.outSize;
        int[][] planes = new int[channels][out * height];
        for (int ch = 0; ch < channels; ch++) {
            int[] plane = planes[ch];
            for (int y = 0; y < height; y++) {
                int row = y * width * channels + ch;
                for (int x = 0; x < out; x++) {
                    long s = 0;
                    int o = row + taps.low[x] * channels;
                    for (int t = taps.first[x], end = taps.first[x + 1]; t < end; t++, o += channels) {
                        s += (long) taps.coeff[t] * src[o];
                    }
                    plane[x * height + y] = clamp16(s / taps.sum[x]);
                }
            }
        }
        return planes;
    }

    /** Vertical 16-bit pass; see {@link #vertical8}. */
    static int[][] vertical16(int[][] transposed, int height, int outWidth, Taps taps) {
        int outHeight = taps.outSize;
        int[][] planes = new int[transposed.length][outWidth * outHeight];
        for (int ch = 0; ch < transposed.length; ch++) {
            int[] src = transposed[ch];
            int[] dst = planes[ch];
            for (int x = 0; x < outWidth; x++) {
                int column = x * height;
                for (int y = 0; y < outHeight; y++) {
                    long s = 0;
                    int o = column + taps.low[y];
                    for (int t = taps.first[y], end = taps.first[y + 1]; t < end; t++, o++) {
                        s += (long) taps.coeff[t] * src[o];
                    }
                    dst[y * outWidth + x] = clamp16(s / taps.sum[y]);
                }
            }
        }
        return planes;
    }
    /**
     * Go's truncating {@code int32} division of a non-negative filter sum by a fixed positive
     * divisor, as a multiplication and a shift (Granlund and Montgomery, "Division by invariant
     * integers using multiplication", 1994): with {@code l = ceil(log2 d)} and
     * {@code m = floor(2^(N+l) / d) + 1}, {@code (n * m) >> (N + l) == n / d} for every
     * {@code 0 <= n < 2^N}. Here N = 31 covers every int sum; the product fits a long
     * because m < 2^32. A negative sum, which 8-bit bilinear sums never are, is divided directly.
     */
    static final class Divisor {
        private static final int N = 31;
        private final int divisor;
        private final long magic;
        private final int shift;

        Divisor(int divisor) {
            this.divisor = divisor;
            int l = 32 - Integer.numberOfLeadingZeros(divisor - 1); // ceil(log2 d)
            this.shift = N + l;
            this.magic = (long) (((java.math.BigInteger.ONE.shiftLeft(shift))
                    .divide(java.math.BigInteger.valueOf(divisor))).longValue() + 1);
        }

        static Divisor[] of(int[] divisors) {
            Divisor[] out = new Divisor[divisors.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = new Divisor(divisors[i]);
            }
            return out;
        }

        /** {@code clampUint8(n / divisor)}. */
        int divide(int n) {
            if (n < 0) {
                return clamp8(n / divisor);
            }
            return clamp8((int) ((n * magic) >>> shift));
        }
    }
}
