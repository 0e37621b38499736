package io.ftvalidator.engine.hash;

/**
 * The 32-point unnormalised DCT-II of {@code scipy.fftpack.dct(x, type=2)} in SciPy 1.10, computed
 * the way SciPy's vendored pocketfft ({@code pocketfft_hdronly.h}, class {@code T_dcst23}) computes
 * it, so that every output has the same rounding:
 *
 * <ol>
 *   <li>{@code c[0] *= 2}, {@code c[31] *= 2}, and for odd k: {@code (c[k], c[k+1]) = (c[k+1] + c[k],
 *       c[k+1] - c[k])};</li>
 *   <li>a backward real FFT (half-complex to real) of length 32, factored 2 x 4 x 4: one radix-2
 *       pass ({@code radb2}, ido 16) and two radix-4 passes ({@code radb4}, ido 4 then 1);</li>
 *   <li>for k = 1..15: {@code t1 = w[k-1] c[32-k] + w[31-k] c[k]},
 *       {@code t2 = w[k-1] c[k] - w[31-k] c[32-k]}, {@code c[k] = 0.5 (t1 + t2)},
 *       {@code c[32-k] = 0.5 (t1 - t2)}; then {@code c[16] *= w[15]}.</li>
 * </ol>
 *
 * <p>The twiddle factors are pocketfft's {@code sincos_2pibyn} values: products of two table
 * entries computed with the C library's {@code sin}/{@code cos}, which are not always the correctly
 * rounded cosines (cos(pi/4) is one ulp low, for instance). The literals are the exact values
 * pocketfft computes on x86-64 glibc.
 */
final class PocketFftDct {

    static final int N = 32;

    /** {@code cos(2 pi (i + 1) / 128)} for i = 0..31, as pocketfft's DCT twiddle table. */
    private static final double[] DCT_TWIDDLE = {
        0x1.ff621e3796d7ep-1, 0x1.fd88da3d12526p-1, 0x1.fa7557f08a517p-1, 0x1.f6297cff75cbp-1,
        0x1.f0a7efb9230d7p-1, 0x1.e9f4156c62ddap-1, 0x1.e212104f686e5p-1, 0x1.d906bcf328d46p-1,
        0x1.ced7af43cc773p-1, 0x1.c38b2f180bdb1p-1, 0x1.b728345196e3ep-1, 0x1.a9b66290ea1a3p-1,
        0x1.9b3e047f38741p-1, 0x1.8bc806b151741p-1, 0x1.7b5df226aafafp-1, 0x1.6a09e667f3bccp-1,
        0x1.57d69348cec9fp-1, 0x1.44cf325091dd6p-1, 0x1.30ff7fce17034p-1, 0x1.1c73b39ae68c8p-1,
        0x1.073879922ffedp-1, 0x1.e2b5d3806f639p-2, 0x1.b5d1009e15cbfp-2, 0x1.87de2a6aea961p-2,
        0x1.58f9a75ab1fdbp-2, 0x1.294062ed59f04p-2, 0x1.f19f97b215f1cp-3, 0x1.8f8b83c69a60ap-3,
        0x1.2c8106e8e6136p-3, 0x1.917a6bc29b424p-4, 0x1.91f65f10dd81p-5, -0x0.0p0,
    };

    /** Radix-2 pass (ido 16): (cos, sin) of {@code 2 pi i / 32} for i = 1..7. */
    private static final double[] RADIX2_TWIDDLE = {
        0x1.f6297cff75cbp-1, 0x1.8f8b83c69a60ap-3, 0x1.d906bcf328d46p-1, 0x1.87de2a6aea963p-2,
        0x1.a9b66290ea1a3p-1, 0x1.1c73b39ae68c8p-1, 0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1,
        0x1.1c73b39ae68c8p-1, 0x1.a9b66290ea1a3p-1, 0x1.87de2a6aea963p-2, 0x1.d906bcf328d46p-1,
        0x1.8f8b83c69a60ap-3, 0x1.f6297cff75cbp-1, 0,
    };

    /** First radix-4 pass (ido 4): (cos, sin) of {@code 2 pi 2j / 32} for j = 1..3, each padded to 3. */
    private static final double[] RADIX4_TWIDDLE = {
        0x1.d906bcf328d46p-1, 0x1.87de2a6aea963p-2, 0,
        0x1.6a09e667f3bccp-1, 0x1.6a09e667f3bcdp-1, 0,
        0x1.87de2a6aea963p-2, 0x1.d906bcf328d46p-1, 0,
    };

    /** pocketfft's {@code sqrt2}: the double nearest to the square root of 2. */
    private static final double SQRT2 = 0x1.6a09e667f3bcdp0;

    private PocketFftDct() {
    }

    /** Transforms {@code c[0..32)} in place; {@code work} is a 32-element scratch array. */
    static void dct2(double[] c, double[] work) {
        c[0] *= 2;
        c[N - 1] *= 2;
        for (int k = 1; k < N - 1; k += 2) {
            double t = c[k + 1];
            c[k + 1] = t - c[k];
            c[k] = t + c[k];
        }
        radb2(16, 1, c, work, RADIX2_TWIDDLE);
        radb4(4, 2, work, c, RADIX4_TWIDDLE);
        radb4(1, 8, c, work, null);
        System.arraycopy(work, 0, c, 0, N);
        for (int k = 1, kc = N - 1; k < N / 2; k++, kc--) {
            double t1 = DCT_TWIDDLE[k - 1] * c[kc] + DCT_TWIDDLE[kc - 1] * c[k];
            double t2 = DCT_TWIDDLE[k - 1] * c[k] - DCT_TWIDDLE[kc - 1] * c[kc];
            c[k] = 0.5 * (t1 + t2);
            c[kc] = 0.5 * (t1 - t2);
        }
        c[N / 2] *= DCT_TWIDDLE[N / 2 - 1];
    }

    /** pocketfft {@code rfftp::radb2}: cc is [ido][2][l1], ch is [ido][l1][2] (first index fastest). */
    private static void radb2(int ido, int l1, double[] cc, double[] ch, double[] wa) {
        for (int k = 0; k < l1; k++) {
            double a = cc[ido * (2 * k)];
            double b = cc[ido - 1 + ido * (1 + 2 * k)];
            ch[ido * k] = a + b;
            ch[ido * (k + l1)] = a - b;
        }
        if ((ido & 1) == 0) {
            for (int k = 0; k < l1; k++) {
                ch[ido - 1 + ido * k] = 2 * cc[ido - 1 + ido * (2 * k)];
                ch[ido - 1 + ido * (k + l1)] = -2 * cc[ido * (1 + 2 * k)];
            }
        }
        if (ido <= 2) {
            return;
        }
        for (int k = 0; k < l1; k++) {
            for (int i = 2; i < ido; i += 2) {
                int ic = ido - i;
                double tr2 = cc[i - 1 + ido * (2 * k)] - cc[ic - 1 + ido * (1 + 2 * k)];
                ch[i - 1 + ido * k] = cc[i - 1 + ido * (2 * k)] + cc[ic - 1 + ido * (1 + 2 * k)];
                double ti2 = cc[i + ido * (2 * k)] + cc[ic + ido * (1 + 2 * k)];
                ch[i + ido * k] = cc[i + ido * (2 * k)] - cc[ic + ido * (1 + 2 * k)];
                double wr = wa[i - 2];
                double wi = wa[i - 1];
                ch[i + ido * (k + l1)] = wr * ti2 + wi * tr2;
                ch[i - 1 + ido * (k + l1)] = wr * tr2 - wi * ti2;
            }
        }
    }

    /** pocketfft {@code rfftp::radb4}: cc is [ido][4][l1], ch is [ido][l1][4] (first index fastest). */
    private static void radb4(int ido, int l1, double[] cc, double[] ch, double[] wa) {
        for (int k = 0; k < l1; k++) {
            double a = cc[ido * (4 * k)];
            double b = cc[ido - 1 + ido * (3 + 4 * k)];
            double tr2 = a + b;
            double tr1 = a - b;
            double tr3 = 2 * cc[ido - 1 + ido * (1 + 4 * k)];
            double tr4 = 2 * cc[ido * (2 + 4 * k)];
            ch[ido * k] = tr2 + tr3;
            ch[ido * (k + 2 * l1)] = tr2 - tr3;
            ch[ido * (k + 3 * l1)] = tr1 + tr4;
            ch[ido * (k + l1)] = tr1 - tr4;
        }
        if ((ido & 1) == 0) {
            for (int k = 0; k < l1; k++) {
                double a = cc[ido * (3 + 4 * k)];
                double b = cc[ido * (1 + 4 * k)];
                double ti1 = a + b;
                double ti2 = a - b;
                double c = cc[ido - 1 + ido * (4 * k)];
                double d = cc[ido - 1 + ido * (2 + 4 * k)];
                double tr2 = c + d;
                double tr1 = c - d;
                ch[ido - 1 + ido * k] = tr2 + tr2;
                ch[ido - 1 + ido * (k + l1)] = SQRT2 * (tr1 - ti1);
                ch[ido - 1 + ido * (k + 2 * l1)] = ti2 + ti2;
                ch[ido - 1 + ido * (k + 3 * l1)] = -SQRT2 * (tr1 + ti1);
            }
        }
        if (ido <= 2) {
            return;
        }
        for (int k = 0; k < l1; k++) {
            for (int i = 2; i < ido; i += 2) {
                int ic = ido - i;
                double tr2 = cc[i - 1 + ido * (4 * k)] + cc[ic - 1 + ido * (3 + 4 * k)];
                double tr1 = cc[i - 1 + ido * (4 * k)] - cc[ic - 1 + ido * (3 + 4 * k)];
                double ti1 = cc[i + ido * (4 * k)] + cc[ic + ido * (3 + 4 * k)];
                double ti2 = cc[i + ido * (4 * k)] - cc[ic + ido * (3 + 4 * k)];
                double tr4 = cc[i + ido * (2 + 4 * k)] + cc[ic + ido * (1 + 4 * k)];
                double ti3 = cc[i + ido * (2 + 4 * k)] - cc[ic + ido * (1 + 4 * k)];
                double tr3 = cc[i - 1 + ido * (2 + 4 * k)] + cc[ic - 1 + ido * (1 + 4 * k)];
                double ti4 = cc[i - 1 + ido * (2 + 4 * k)] - cc[ic - 1 + ido * (1 + 4 * k)];
                ch[i - 1 + ido * k] = tr2 + tr3;
                double cr3 = tr2 - tr3;
                ch[i + ido * k] = ti2 + ti3;
                double ci3 = ti2 - ti3;
                double cr4 = tr1 + tr4;
                double cr2 = tr1 - tr4;
                double ci2 = ti1 + ti4;
                double ci4 = ti1 - ti4;
                store(ch, i + ido * (k + l1), i - 1 + ido * (k + l1), wa[i - 2], wa[i - 1], ci2, cr2);
                store(ch, i + ido * (k + 2 * l1), i - 1 + ido * (k + 2 * l1),
                        wa[(ido - 1) + i - 2], wa[(ido - 1) + i - 1], ci3, cr3);
                store(ch, i + ido * (k + 3 * l1), i - 1 + ido * (k + 3 * l1),
                        wa[2 * (ido - 1) + i - 2], wa[2 * (ido - 1) + i - 1], ci4, cr4);
            }
        }
    }

    /** pocketfft {@code MULPM(a, b, c, d, e, f)}: {@code a = c e + d f}, {@code b = c f - d e}. */
    private static void store(double[] ch, int a, int b, double c, double d, double e, double f) {
        ch[a] = c * e + d * f;
        ch[b] = c * f - d * e;
    }
}
