package io.ftvalidator.engine.hash;

/**
 * JPEG coefficients to pixels as Go 1.19's image/jpeg does it: dequantization, Go's integer IDCT
 * (a translation of the MPEG-2 reference decoder's {@code idct.c}, 11-bit fixed-point
 * coefficients), level shift by 128 and clamping; no chroma upsampling. A grey JPEG becomes an
 * {@code *image.Gray}, a YCbCr one an {@code *image.YCbCr} holding the chroma planes at their coded
 * resolution.
 */
final class GoJpeg {

    private static final int W1 = 2841; // 2048*sqrt(2)*cos(1*pi/16)
    private static final int W2 = 2676; // 2048*sqrt(2)*cos(2*pi/16)
    private static final int W3 = 2408; // 2048*sqrt(2)*cos(3*pi/16)
    private static final int W5 = 1609; // 2048*sqrt(2)*cos(5*pi/16)
    private static final int W6 = 1108; // 2048*sqrt(2)*cos(6*pi/16)
    private static final int W7 = 565; // 2048*sqrt(2)*cos(7*pi/16)
    private static final int R2 = 181; // 256/sqrt(2)

    private GoJpeg() {
    }

    static GoImage toGoImage(JpegImage jpeg) {
        JpegImage.Component[] components = jpeg.components();
        byte[][] planes = new byte[components.length][];
        for (int c = 0; c < components.length; c++) {
            planes[c] = samples(components[c]);
        }
        int width = jpeg.width();
        int height = jpeg.height();
        if (components.length == 1) {
            int stride = components[0].blocksWide() * 8;
            byte[] gray = new byte[width * height];
            for (int y = 0; y < height; y++) {
                System.arraycopy(planes[0], y * stride, gray, y * width, width);
            }
            return new GoImage.Gray8(width, height, gray);
        }
        JpegImage.Component luma = components[0];
        JpegImage.Component chroma = components[1];
        return new GoImage.YCbCr(width, height, planes[0], luma.blocksWide() * 8,
                planes[1], planes[2], chroma.blocksWide() * 8,
                Integer.numberOfTrailingZeros(luma.h() / chroma.h()),
                Integer.numberOfTrailingZeros(luma.v() / chroma.v()));
    }

    /** All blocks of a component, reconstructed into a plane {@code blocksWide * 8} samples wide. */
    private static byte[] samples(JpegImage.Component component) {
        int stride = component.blocksWide() * 8;
        byte[] plane = new byte[stride * component.blocksHigh() * 8];
        int[] block = new int[64];
        int[] coefficients = component.coefficients();
        int[] quant = component.quant();
        for (int by = 0; by < component.blocksHigh(); by++) {
            for (int bx = 0; bx < component.blocksWide(); bx++) {
                int offset = (by * component.blocksWide() + bx) * 64;
                for (int k = 0; k < 64; k++) {
                    int natural = JpegImage.NATURAL_ORDER[k];
                    block[natural] = coefficients[offset + natural] * quant[k];
                }
                idct(block);
                int out = by * 8 * stride + bx * 8;
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        int c = block[y * 8 + x];
                        plane[out + y * stride + x] = (byte) (c < -128 ? 0 : c > 127 ? 255 : c + 128);
                    }
                }
            }
        }
        return plane;
    }

    /** Go's {@code idct}: rows, then columns, in place. */
    static void idct(int[] s) {
        for (int y = 0; y < 8; y++) {
            int r = y * 8;
            if (s[r + 1] == 0 && s[r + 2] == 0 && s[r + 3] == 0 && s[r + 4] == 0
                    && s[r + 5] == 0 && s[r + 6] == 0 && s[r + 7] == 0) {
                int dc = s[r] << 3;
                for (int x = 0; x < 8; x++) {
                    s[r + x] = dc;
                }
                continue;
            }
            int x0 = (s[r] << 11) + 128;
            int x1 = s[r + 4] << 11;
            int x2 = s[r + 6];
            int x3 = s[r + 2];
            int x4 = s[r + 1];
            int x5 = s[r + 7];
            int x6 = s[r + 5];
            int x7 = s[r + 3];

            int x8 = W7 * (x4 + x5);
            x4 = x8 + (W1 - W7) * x4;
            x5 = x8 - (W1 + W7) * x5;
            x8 = W3 * (x6 + x7);
            x6 = x8 - (W3 - W5) * x6;
            x7 = x8 - (W3 + W5) * x7;

            x8 = x0 + x1;
            x0 -= x1;
            x1 = W6 * (x3 + x2);
            x2 = x1 - (W2 + W6) * x2;
            x3 = x1 + (W2 - W6) * x3;
            x1 = x4 + x6;
            x4 -= x6;
            x6 = x5 + x7;
            x5 -= x7;

            x7 = x8 + x3;
            x8 -= x3;
            x3 = x0 + x2;
            x0 -= x2;
            x2 = (R2 * (x4 + x5) + 128) >> 8;
            x4 = (R2 * (x4 - x5) + 128) >> 8;

            s[r] = (x7 + x1) >> 8;
            s[r + 1] = (x3 + x2) >> 8;
            s[r + 2] = (x0 + x4) >> 8;
            s[r + 3] = (x8 + x6) >> 8;
            s[r + 4] = (x8 - x6) >> 8;
            s[r + 5] = (x0 - x4) >> 8;
            s[r + 6] = (x3 - x2) >> 8;
            s[r + 7] = (x7 - x1) >> 8;
        }
        for (int x = 0; x < 8; x++) {
            int y0 = (s[x] << 8) + 8192;
            int y1 = s[x + 32] << 8;
            int y2 = s[x + 48];
            int y3 = s[x + 16];
            int y4 = s[x + 8];
            int y5 = s[x + 56];
            int y6 = s[x + 40];
            int y7 = s[x + 24];

            int y8 = W7 * (y4 + y5) + 4;
            y4 = (y8 + (W1 - W7) * y4) >> 3;
            y5 = (y8 - (W1 + W7) * y5) >> 3;
            y8 = W3 * (y6 + y7) + 4;
            y6 = (y8 - (W3 - W5) * y6) >> 3;
            y7 = (y8 - (W3 + W5) * y7) >> 3;

            y8 = y0 + y1;
            y0 -= y1;
            y1 = W6 * (y3 + y2) + 4;
            y2 = (y1 - (W2 + W6) * y2) >> 3;
            y3 = (y1 + (W2 - W6) * y3) >> 3;
            y1 = y4 + y6;
            y4 -= y6;
            y6 = y5 + y7;
            y5 -= y7;

            y7 = y8 + y3;
            y8 -= y3;
            y3 = y0 + y2;
            y0 -= y2;
            y2 = (R2 * (y4 + y5) + 128) >> 8;
            y4 = (R2 * (y4 - y5) + 128) >> 8;

            s[x] = (y7 + y1) >> 14;
            s[x + 8] = (y3 + y2) >> 14;
            s[x + 16] = (y0 + y4) >> 14;
            s[x + 24] = (y8 + y6) >> 14;
            s[x + 32] = (y8 - y6) >> 14;
            s[x + 40] = (y0 - y4) >> 14;
            s[x + 48] = (y3 - y2) >> 14;
            s[x + 56] = (y7 - y1) >> 14;
        }
    }
}
