package io.ftvalidator.engine.hash;

/**
 * goimagehash v1.1.0 {@code transforms.DCT2DFast64}: an unscaled DCT-II of each of the 64 rows,
 * then of each of the 64 columns, each by Byeong Gi Lee's recursive algorithm
 * ({@code DCT1DFast64} and its static 32/16/8/4-point helpers).
 *
 * <p>Only the top-left 8x8 block reaches the hash, so this computes only the first 8 outputs of
 * every row transform and transforms only the first 8 columns. Every value it does compute goes
 * through exactly the floating-point operations, in the same order, as in goimagehash.
 *
 * <p>Lee's n-point step: {@code t[i] = x[i] + x[n-1-i]} and
 * {@code t[n/2+i] = (x[i] - x[n-1-i]) / (2 cos((i + 1/2) pi / n))} for {@code i < n/2}; both
 * halves are transformed recursively (n/2 points); then output {@code 2k} is {@code t[k]}, output
 * {@code 2k+1} is {@code t[n/2+k] + t[n/2+k+1]}, and the last output is {@code t[n-1]}.
 */
final class GoDct {

    /**
     * {@code 2 cos((i + 0.5) pi / n)} for n = 64, 32, 16, 8, 4, 2, as goimagehash's static tables hold
     * them: computed by Go's pure-Go {@code math.Cos}, which is not correctly rounded and differs in
     * the last bit from Java's {@code StrictMath.cos} for 22 of these 63 values. The literals are
     * the exact values Go 1.19 (amd64) produced.
     */
    private static final double[] DCT64 = {
        0x1.ffd886084cd0cp0, 0x1.fe9cdad01883ap0, 0x1.fc26470e19fd4p0, 0x1.f8764fa714ba9p0,
        0x1.f38f3ac64e589p0, 0x1.ed740e7684963p0, 0x1.e6288ec48e112p0, 0x1.ddb13b6ccc23cp0,
        0x1.d4134d14dc93ap0, 0x1.c954b213411f5p0, 0x1.bd7c0ac6f9529p0, 0x1.b090a581502p0,
        0x1.a29a7a0462782p0, 0x1.93a22499263fcp0, 0x1.83b0e0bff976ep0, 0x1.72d0837efff97p0,
        0x1.610b7551d2cdfp0, 0x1.4e6cabbe3e5eap0, 0x1.3affa292050bap0, 0x1.26d054cdd12ep0,
        0x1.11eb3541b4b24p0, 0x1.f8ba4dbf89abcp-1, 0x1.cc66e9931c45ep-1, 0x1.9ef7943a8ed89p-1,
        0x1.7088530fa45a1p-1, 0x1.4135c94176602p-1, 0x1.111d262b1f678p-1, 0x1.c0b826a7e4f62p-2,
        0x1.5e214448b3fcbp-2, 0x1.f564e56a97314p-3, 0x1.2d52092ce19f8p-3, 0x1.92155f7a36678p-5,
    };
    private static final double[] DCT32 = {
        0x1.ff621e3796d7ep0, 0x1.fa7557f08a517p0, 0x1.f0a7efb9230d8p0, 0x1.e212104f686e5p0,
        0x1.ced7af43cc773p0, 0x1.b728345196e3ep0, 0x1.9b3e047f38741p0, 0x1.7b5df226aafafp0,
        0x1.57d69348cecap0, 0x1.30ff7fce17036p0, 0x1.073879922ffeep0, 0x1.b5d1009e15cc2p-1,
        0x1.58f9a75ab1fddp-1, 0x1.f19f97b215f1ep-2, 0x1.2c8106e8e613ap-2, 0x1.91f65f10dd825p-4,
    };
    private static final double[] DCT16 = {
        0x1.fd88da3d12525p0, 0x1.e9f4156c62ddap0, 0x1.c38b2f180bdb1p0, 0x1.8bc806b151741p0,
        0x1.44cf325091dd7p0, 0x1.e2b5d3806f63ep-1, 0x1.294062ed59f04p-1, 0x1.917a6bc29b438p-3,
    };
    private static final double[] DCT8 = {
        0x1.f6297cff75cbp0, 0x1.a9b66290ea1a4p0, 0x1.1c73b39ae68c9p0, 0x1.8f8b83c69a60cp-2,
    };
    private static final double[] DCT4 = {0x1.d906bcf328d46p0, 0x1.87de2a6aea964p-1};
    private static final double[] DCT2 = {0x1.6a09e667f3bcdp0};

    private static final int N = 64;
    private static final int KEEP = 8;
    /** Scratch for one transform: one n-point stage per level, 64 + 32 + ... + 2. */
    private static final int SCRATCH = 2 * N;

    private GoDct() {
    }

    /** The top-left 8x8 block of the 2-D transform of a 64x64 row-major image, row-major. */
    static double[] topLeft8x8(double[] pixels) {
        double[] scratch = new double[SCRATCH];
        double[] rows = new double[N * KEEP]; // first 8 outputs of every row
        double[] line = new double[N];
        for (int r = 0; r < N; r++) {
            System.arraycopy(pixels, r * N, line, 0, N);
            transform(line, 0, N, KEEP, scratch, 0);
            System.arraycopy(line, 0, rows, r * KEEP, KEEP);
        }
        double[] block = new double[KEEP * KEEP];
        for (int c = 0; c < KEEP; c++) {
            for (int r = 0; r < N; r++) {
                line[r] = rows[r * KEEP + c];
            }
            transform(line, 0, N, KEEP, scratch, 0);
            for (int r = 0; r < KEEP; r++) {
                block[r * KEEP + c] = line[r];
            }
        }
        return block;
    }

    /**
     * Transforms {@code x[at .. at+n)} in place; afterwards only its first {@code count} values are
     * the transform's outputs. {@code scratch[s .. s+2n)} is free for this call and its recursion.
     */
    private static void transform(double[] x, int at, int n, int count, double[] scratch, int s) {
        int half = n / 2;
        double[] table = table(n);
        for (int i = 0; i < half; i++) {
            double a = x[at + i];
            double b = x[at + n - 1 - i];
            scratch[s + i] = a + b;
            scratch[s + half + i] = (a - b) / table[i];
        }
        if (half > 1) {
            transform(scratch, s, half, (count + 1) / 2, scratch, s + n);
            transform(scratch, s + half, half, Math.min(half, count / 2 + 1), scratch, s + n);
        }
        for (int k = 0; k < count; k++) {
            if (k % 2 == 0) {
                x[at + k] = scratch[s + k / 2];
            } else if (k == n - 1) {
                x[at + k] = scratch[s + n - 1];
            } else {
                x[at + k] = scratch[s + half + k / 2] + scratch[s + half + k / 2 + 1];
            }
        }
    }

    private static double[] table(int n) {
        return switch (n) {
            case 64 -> DCT64;
            case 32 -> DCT32;
            case 16 -> DCT16;
            case 8 -> DCT8;
            case 4 -> DCT4;
            case 2 -> DCT2;
            default -> throw new IllegalArgumentException("no DCT table for " + n + " points");
        };
    }
}
