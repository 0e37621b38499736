package io.ftvalidator.engine.hash;

import static io.ftvalidator.engine.hash.NfntResize.clamp8;

/**
 * JPEG coefficients to pixels as libjpeg-turbo 2.1 does it with its default settings (the decoder
 * Pillow 9.4 uses): the "islow" integer IDCT ({@code jidctint.c}, 13-bit constants, 2 extra bits
 * between passes), "fancy" (triangular) chroma upsampling, and YCbCr to RGB with the
 * {@code jdcolor.c} tables; Pillow then converts RGB to 'L' itself.
 *
 * <p>Out-of-range IDCT outputs are clamped to 0..255, as libjpeg-turbo's SIMD code (used on x86-64)
 * does; its portable C code wraps values more than 384 outside the range instead, which only
 * pathological coefficient data reaches.
 */
final class LibJpeg {

    private static final int CONST_BITS = 13;
    private static final int PASS1_BITS = 2;
    private static final long FIX_0_298631336 = 2446;
    private static final long FIX_0_390180644 = 3196;
    private static final long FIX_0_541196100 = 4433;
    private static final long FIX_0_765366865 = 6270;
    private static final long FIX_0_899976223 = 7373;
    private static final long FIX_1_175875602 = 9633;
    private static final long FIX_1_501321110 = 12299;
    private static final long FIX_1_847759065 = 15137;
    private static final long FIX_1_961570560 = 16069;
    private static final long FIX_2_053119869 = 16819;
    private static final long FIX_2_562915447 = 20995;
    private static final long FIX_3_072711026 = 25172;

    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        // jdcolor.c build_ycc_rgb_table; FIX(x) = (int) (x * 65536 + 0.5)
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (91881 * x + ONE_HALF) >> SCALE_BITS; // 1.40200
            CB_B[i] = (116130 * x + ONE_HALF) >> SCALE_BITS; // 1.77200
            CR_G[i] = -46802 * x; // 0.71414
            CB_G[i] = -22554 * x + ONE_HALF; // 0.34414
        }
    }

    private LibJpeg() {
    }

    /** A JPEG as libjpeg-turbo decodes it for Pillow (RGB or grey), converted to 'L'. */
    static PillowImages.Luminance toLuminance(JpegImage jpeg) {
        int width = jpeg.width();
        int height = jpeg.height();
        JpegImage.Component[] components = jpeg.components();
        byte[][] full = new byte[components.length][];
        for (int c = 0; c < components.length; c++) {
            full[c] = upsample(jpeg, components[c], samples(components[c]));
        }
        int[] l = new int[width * height];
        if (components.length == 1) {
            for (int i = 0; i < l.length; i++) {
                l[i] = full[0][i] & 0xff;
            }
            return new PillowImages.Luminance(width, height, l);
        }
        for (int i = 0; i < l.length; i++) {
            int y = full[0][i] & 0xff;
            int cb = full[1][i] & 0xff;
            int cr = full[2][i] & 0xff;
            int r = clamp8(y + CR_R[cr]);
            int g = clamp8(y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS));
            int b = clamp8(y + CB_B[cb]);
            l[i] = PillowImages.luma(r, g, b);
        }
        return new PillowImages.Luminance(width, height, l);
    }

    /** All blocks of a component through the islow IDCT, into a plane {@code blocksWide * 8} wide. */
    private static byte[] samples(JpegImage.Component component) {
        int stride = component.blocksWide() * 8;
        byte[] plane = new byte[stride * component.blocksHigh() * 8];
        int[] coefficients = component.coefficients();
        int[] quant = new int[64]; // natural order
        for (int k = 0; k < 64; k++) {
            quant[JpegImage.NATURAL_ORDER[k]] = component.quant()[k];
        }
        long[] dequantized = new long[64];
        int[] workspace = new int[64];
        for (int by = 0; by < component.blocksHigh(); by++) {
            for (int bx = 0; bx < component.blocksWide(); bx++) {
                int offset = (by * component.blocksWide() + bx) * 64;
                for (int i = 0; i < 64; i++) {
                    dequantized[i] = (long) coefficients[offset + i] * quant[i];
                }
                idctIslow(dequantized, workspace, plane, by * 8 * stride + bx * 8, stride);
            }
        }
        return plane;
    }

    private static long descale(long x, int n) {
        return (x + (1L << (n - 1))) >> n;
    }

    /** jidctint.c {@code jpeg_idct_islow}: columns into the workspace, then rows into the plane. */
    static void idctIslow(long[] in, int[] ws, byte[] out, int outOffset, int stride) {
        for (int c = 0; c < 8; c++) {
            if (in[8 + c] == 0 && in[16 + c] == 0 && in[24 + c] == 0 && in[32 + c] == 0
                    && in[40 + c] == 0 && in[48 + c] == 0 && in[56 + c] == 0) {
                int dc = (int) (in[c] << PASS1_BITS);
                for (int r = 0; r < 8; r++) {
                    ws[r * 8 + c] = dc;
                }
                continue;
            }
            long[] t = butterfly(in[c], in[8 + c], in[16 + c], in[24 + c], in[32 + c], in[40 + c], in[48 + c],
                    in[56 + c], CONST_BITS);
            for (int r = 0; r < 8; r++) {
                ws[r * 8 + c] = (int) descale(t[r], CONST_BITS - PASS1_BITS);
            }
        }
        for (int r = 0; r < 8; r++) {
            int w = r * 8;
            int o = outOffset + r * stride;
            if (ws[w + 1] == 0 && ws[w + 2] == 0 && ws[w + 3] == 0 && ws[w + 4] == 0
                    && ws[w + 5] == 0 && ws[w + 6] == 0 && ws[w + 7] == 0) {
                byte dc = (byte) clamp8((int) descale(ws[w], PASS1_BITS + 3) + 128);
                for (int x = 0; x < 8; x++) {
                    out[o + x] = dc;
                }
                continue;
            }
            long[] t = butterfly(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6],
                    ws[w + 7], CONST_BITS);
            for (int x = 0; x < 8; x++) {
                out[o + x] = (byte) clamp8((int) descale(t[x], CONST_BITS + PASS1_BITS + 3) + 128);
            }
        }
    }

    /**
     * The even/odd butterflies shared by both passes, for inputs x0..x7; returns the 8 outputs
     * before descaling, in output order.
     */
    private static long[] butterfly(long x0, long x1, long x2, long x3, long x4, long x5, long x6, long x7,
            int constBits) {
        long z2 = x2;
        long z3 = x6;
        long z1 = (z2 + z3) * FIX_0_541196100;
        long tmp2 = z1 + z3 * -FIX_1_847759065;
        long tmp3 = z1 + z2 * FIX_0_765366865;
        long tmp0 = (x0 + x4) << constBits;
        long tmp1 = (x0 - x4) << constBits;
        long tmp10 = tmp0 + tmp3;
        long tmp13 = tmp0 - tmp3;
        long tmp11 = tmp1 + tmp2;
        long tmp12 = tmp1 - tmp2;

        tmp0 = x7;
        tmp1 = x5;
        tmp2 = x3;
        tmp3 = x1;
        z1 = tmp0 + tmp3;
        z2 = tmp1 + tmp2;
        z3 = tmp0 + tmp2;
        long z4 = tmp1 + tmp3;
        long z5 = (z3 + z4) * FIX_1_175875602;
        tmp0 = tmp0 * FIX_0_298631336;
        tmp1 = tmp1 * FIX_2_053119869;
        tmp2 = tmp2 * FIX_3_072711026;
        tmp3 = tmp3 * FIX_1_501321110;
        z1 = z1 * -FIX_0_899976223;
        z2 = z2 * -FIX_2_562915447;
        z3 = z3 * -FIX_1_961570560;
        z4 = z4 * -FIX_0_390180644;
        z3 += z5;
        z4 += z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;
        return new long[] {
            tmp10 + tmp3, tmp11 + tmp2, tmp12 + tmp1, tmp13 + tmp0,
            tmp13 - tmp0, tmp12 - tmp1, tmp11 - tmp2, tmp10 - tmp3,
        };
    }

    /**
     * A component's samples brought to full resolution (width x height), as jdsample.c chooses:
     * same size: copied; 2x horizontally: h2v1 fancy; 2x vertically: h1v2 fancy (libjpeg-turbo
     * only); 2x both: h2v2 fancy; other integer ratios, and 2x horizontal ratios of components at
     * most 2 samples wide: replicated. Fancy upsampling weighs the nearer sample 3/4 and the next
     * 1/4 in each direction, with alternating rounding biases, and repeats the edge samples.
     */
    private static byte[] upsample(JpegImage jpeg, JpegImage.Component c, byte[] plane) {
        int width = jpeg.width();
        int height = jpeg.height();
        int stride = c.blocksWide() * 8;
        int sw = c.sampleWidth(jpeg);
        int sh = c.sampleHeight(jpeg);
        int hx = jpeg.maxH() / c.h();
        int vx = jpeg.maxV() / c.v();
        byte[] out = new byte[width * height];
        boolean fancyH = hx == 2 && sw > 2;
        if (hx == 1 && vx == 1) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(plane, y * stride, out, y * width, width);
            }
        } else if (vx == 1 && fancyH) {
            int[] row = new int[2 * sw];
            for (int y = 0; y < height; y++) {
                h2v1(plane, y * stride, sw, row);
                copyRow(row, out, y * width, width);
            }
        } else if (hx == 1 && vx == 2) {
            for (int y = 0; y < height; y++) {
                int near = y / 2;
                int far = y % 2 == 0 ? Math.max(near - 1, 0) : Math.min(near + 1, sh - 1);
                int bias = y % 2 == 0 ? 1 : 2;
                for (int x = 0; x < width; x++) {
                    out[y * width + x] = (byte) ((3 * (plane[near * stride + x] & 0xff)
                            + (plane[far * stride + x] & 0xff) + bias) >> 2);
                }
            }
        } else if (vx == 2 && fancyH) {
            int[] sums = new int[sw];
            int[] row = new int[2 * sw];
            for (int y = 0; y < height; y++) {
                int near = y / 2;
                int far = y % 2 == 0 ? Math.max(near - 1, 0) : Math.min(near + 1, sh - 1);
                for (int x = 0; x < sw; x++) {
                    sums[x] = 3 * (plane[near * stride + x] & 0xff) + (plane[far * stride + x] & 0xff);
                }
                h2v2Row(sums, sw, row);
                copyRow(row, out, y * width, width);
            }
        } else {
            for (int y = 0; y < height; y++) {
                int from = (y / vx) * stride;
                for (int x = 0; x < width; x++) {
                    out[y * width + x] = plane[from + x / hx];
                }
            }
        }
        return out;
    }

    /** jdsample.c {@code h2v1_fancy_upsample} of one row of {@code sw >= 3} samples. */
    private static void h2v1(byte[] plane, int from, int sw, int[] row) {
        int first = plane[from] & 0xff;
        row[0] = first;
        row[1] = (first * 3 + (plane[from + 1] & 0xff) + 2) >> 2;
        for (int i = 1; i < sw - 1; i++) {
            int v = (plane[from + i] & 0xff) * 3;
            row[2 * i] = (v + (plane[from + i - 1] & 0xff) + 1) >> 2;
            row[2 * i + 1] = (v + (plane[from + i + 1] & 0xff) + 2) >> 2;
        }
        int last = plane[from + sw - 1] & 0xff;
        row[2 * sw - 2] = (last * 3 + (plane[from + sw - 2] & 0xff) + 1) >> 2;
        row[2 * sw - 1] = last;
    }

    /** The horizontal half of jdsample.c {@code h2v2_fancy_upsample}, on column sums (3 near + far). */
    private static void h2v2Row(int[] sums, int sw, int[] row) {
        row[0] = (sums[0] * 4 + 8) >> 4;
        row[1] = (sums[0] * 3 + sums[1] + 7) >> 4;
        for (int i = 1; i < sw - 1; i++) {
            row[2 * i] = (sums[i] * 3 + sums[i - 1] + 8) >> 4;
            row[2 * i + 1] = (sums[i] * 3 + sums[i + 1] + 7) >> 4;
        }
        row[2 * sw - 2] = (sums[sw - 1] * 3 + sums[sw - 2] + 8) >> 4;
        row[2 * sw - 1] = (sums[sw - 1] * 4 + 7) >> 4;
    }

    private static void copyRow(int[] row, byte[] out, int at, int width) {
        for (int x = 0; x < width; x++) {
            out[at + x] = (byte) row[x];
        }
    }
}
