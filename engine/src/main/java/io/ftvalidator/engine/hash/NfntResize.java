package io.ftvalidator.engine.hash;

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
     * The non-zero filter taps of every output position, with clamped source indices.
     * nfnt/resize skips zero coefficients; leaving them out changes neither sum.
     */
    static final class Taps {
        final int outSize;
        final int[] first; // taps of output i are [first[i], first[i + 1])
        final int[] index;
        final int[] coeff;
        final int[] sum;

        private Taps(int outSize, int[] first, int[] index, int[] coeff, int[] sum) {
            this.outSize = outSize;
            this.first = first;
            this.index = index;
            this.coeff = coeff;
            this.sum = sum;
        }
    }

    /**
     * nfnt/resize {@code createWeights8} ({@code scaleBits} 8) or {@code createWeights16}
     * ({@code scaleBits} 16) for the bilinear kernel, with {@code blur} 1.
     */
    static Taps bilinearTaps(int inSize, int outSize, int scaleBits) {
        double scale = (double) inSize / outSize;
        int filterLength = 2 * (int) Math.max(Math.ceil(scale), 1);
        double filterFactor = Math.min(1.0 / scale, 1);
        double unit = 1 << scaleBits;
        int[] first = new int[outSize + 1];
        int[] index = new int[outSize * filterLength];
        int[] coeff = new int[outSize * filterLength];
        int[] sum = new int[outSize];
        int n = 0;
        for (int y = 0; y < outSize; y++) {
            double interp = scale * (y + 0.5) - 0.5;
            int start = (int) interp - filterLength / 2 + 1;
            interp -= start;
            first[y] = n;
            for (int i = 0; i < filterLength; i++) {
                double in = (interp - i) * filterFactor;
                int c = (int) (linear(in) * unit); // Go int16(...) or int32(...): truncation
                if (c != 0) {
                    index[n] = Math.min(Math.max(start + i, 0), inSize - 1);
                    coeff[n] = c;
                    sum[y] += c;
                    n++;
                }
            }
        }
        first[outSize] = n;
        return new Taps(outSize, first, index, coeff, sum);
    }

    private static double linear(double in) {
        in = Math.abs(in);
        return in <= 1 ? 1 - in : 0;
    }

    /** Go's {@code clampUint8} of a 32-bit value. */
    static int clamp8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Go's {@code clampUint16} of a 64-bit value. */
    static int clamp16(long v) {
        return v < 0 ? 0 : (int) Math.min(v, 65535);
    }

    /**
     * Horizontal 8-bit pass over interleaved bytes with {@code channels} samples per pixel, of which
     * the first {@code used} are filtered. Returns one transposed plane per used channel.
     */
    static int[][] horizontal8(byte[] src, int width, int height, int channels, int used, Taps taps) {
        int out = taps.outSize;
        int[][] planes = new int[used][out * height];
        int[] first = taps.first;
        int[] index = taps.index;
        int[] coeff = taps.coeff;
        int[] sum = taps.sum;
        if (used == 3) {
            int[] p0 = planes[0];
            int[] p1 = planes[1];
            int[] p2 = planes[2];
            for (int y = 0; y < height; y++) {
                int row = y * width * channels;
                for (int x = 0; x < out; x++) {
                    int s0 = 0;
                    int s1 = 0;
                    int s2 = 0;
                    for (int t = first[x], end = first[x + 1]; t < end; t++) {
                        int o = row + index[t] * channels;
                        int c = coeff[t];
                        s0 += c * (src[o] & 0xff);
                        s1 += c * (src[o + 1] & 0xff);
                        s2 += c * (src[o + 2] & 0xff);
                    }
                    int d = sum[x];
                    int at = x * height + y;
                    p0[at] = clamp8(s0 / d);
                    p1[at] = clamp8(s1 / d);
                    p2[at] = clamp8(s2 / d);
                }
            }
        } else {
            for (int ch = 0; ch < used; ch++) {
                int[] plane = planes[ch];
                for (int y = 0; y < height; y++) {
                    int row = y * width * channels + ch;
                    for (int x = 0; x < out; x++) {
                        int s = 0;
                        for (int t = first[x], end = first[x + 1]; t < end; t++) {
                            s += coeff[t] * (src[row + index[t] * channels] & 0xff);
                        }
                        plane[x * height + y] = clamp8(s / sum[x]);
                    }
                }
            }
        }
        return planes;
    }

    /**
     * Vertical 8-bit pass: filters each transposed plane (columns of length {@code height}) with
     * {@code taps}; returns row-major planes of {@code outWidth x taps.outSize}.
     */
    static int[][] vertical8(int[][] transposed, int height, int outWidth, Taps taps) {
        int outHeight = taps.outSize;
        int[][] planes = new int[transposed.length][outWidth * outHeight];
        int[] first = taps.first;
        int[] index = taps.index;
        int[] coeff = taps.coeff;
        for (int ch = 0; ch < transposed.length; ch++) {
            int[] src = transposed[ch];
            int[] dst = planes[ch];
            for (int x = 0; x < outWidth; x++) {
                int column = x * height;
                for (int y = 0; y < outHeight; y++) {
                    int s = 0;
                    for (int t = first[y], end = first[y + 1]; t < end; t++) {
                        s += coeff[t] * src[column + index[t]];
                    }
                    dst[y * outWidth + x] = clamp8(s / taps.sum[y]);
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
                    for (int t = taps.first[x], end = taps.first[x + 1]; t < end; t++) {
                        s += (long) taps.coeff[t] * src[row + taps.index[t] * channels];
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
                    for (int t = taps.first[y], end = taps.first[y + 1]; t < end; t++) {
                        s += (long) taps.coeff[t] * src[column + taps.index[t]];
                    }
                    dst[y * outWidth + x] = clamp16(s / taps.sum[y]);
                }
            }
        }
        return planes;
    }
}
