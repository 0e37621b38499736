package io.ftvalidator.engine.hash;

/**
 * goimagehash v1.1.0 {@code PerceptionHash}: {@code resize.Resize(64, 64, img, resize.Bilinear)},
 * {@code transforms.Rgb2GrayFast}, {@code transforms.DCT2DFast64}, the top-left 8x8 block,
 * {@code etcs.MedianOfPixelsFast64} and one bit per value above that median, first value in the
 * most significant bit.
 */
final class GoImageHash {

    static final int SIZE = 64;

    private GoImageHash() {
    }

    static long hash(GoImage image) {
        double[] grey = grey64(image);
        double[] low = GoDct.topLeft8x8(grey);
        return PerceptualHash.bitsAbove(low, median(low));
    }

    /**
     * goimagehash's luminance of a pixel whose {@code color.RGBA()} is (r, g, b):
     * {@code 0.299*float64(r/257) + 0.587*float64(g/257) + 0.114*float64(b/256)}, evaluated left to
     * right. (Note the different divisors: for 16-bit samples blue loses less than red and green.)
     */
    static double luminance16(int r, int g, int b) {
        return 0.299 * (r / 257) + 0.587 * (g / 257) + 0.114 * (b / 256);
    }

    /** {@link #luminance16} of an 8-bit sample, whose {@code RGBA()} is {@code v * 0x101}. */
    static double luminance8(int r, int g, int b) {
        return 0.299 * r + 0.587 * g + 0.114 * b;
    }

    /**
     * The 64x64 luminance image, row-major. nfnt/resize returns an image that already has the size
     * unchanged, so a 64x64 image is read as decoded.
     */
    static double[] grey64(GoImage image) {
        boolean resize = image.width() != SIZE || image.height() != SIZE;
        if (image instanceof GoImage.Rgb8 rgb) {
            return greyOfRgb8(resize ? resized8(rgb.rgb(), rgb.width(), rgb.height(), 3) : planes(rgb.rgb()));
        }
        if (image instanceof GoImage.Nrgba8 nrgba) {
            return resize
                    ? greyOfRgb8(resized8(premultiply8(nrgba.rgba()), nrgba.width(), nrgba.height(), 3))
                    : greyOfPremultiplied16(nrgba.rgba());
        }
        if (image instanceof GoImage.Gray8 gray) {
            return greyOfGray8(resize ? resized8(gray.gray(), gray.width(), gray.height(), 1)[0] : unsigned(gray.gray()));
        }
        if (image instanceof GoImage.Gray16 gray) {
            return greyOfGray16(resize ? resized16(gray.gray(), gray.width(), gray.height(), 1)[0] : unsigned(gray.gray()));
        }
        if (image instanceof GoImage.Rgb16 rgb) {
            return greyOfRgb16(resize ? resized16(rgb.rgb(), rgb.width(), rgb.height(), 3) : planes(rgb.rgb()));
        }
        GoImage.YCbCr ycc = (GoImage.YCbCr) image;
        return greyOfYCbCr(resize ? resized8(interleave(ycc), ycc.width(), ycc.height(), 3) : planes(interleave(ycc)));
    }

    private static int[][] resized8(byte[] src, int width, int height, int channels) {
        NfntResize.Taps horizontal = NfntResize.bilinearTaps(width, SIZE, 8);
        NfntResize.Taps vertical = NfntResize.bilinearTaps(height, SIZE, 8);
        int[][] temp = NfntResize.horizontal8(src, width, height, channels, horizontal);
        return NfntResize.vertical8(temp, height, SIZE, vertical);
    }

    private static int[][] resized16(char[] src, int width, int height, int channels) {
        NfntResize.Taps horizontal = NfntResize.bilinearTaps(width, SIZE, 16);
        NfntResize.Taps vertical = NfntResize.bilinearTaps(height, SIZE, 16);
        int[][] temp = NfntResize.horizontal16(src, width, height, channels, horizontal);
        return NfntResize.vertical16(temp, height, SIZE, vertical);
    }

    private static double[] greyOfRgb8(int[][] planes) {
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = luminance8(planes[0][i], planes[1][i], planes[2][i]);
        }
        return grey;
    }

    private static double[] greyOfGray8(int[] gray) {
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = luminance8(gray[i], gray[i], gray[i]);
        }
        return grey;
    }

    private static double[] greyOfGray16(int[] gray) {
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = luminance16(gray[i], gray[i], gray[i]);
        }
        return grey;
    }

    private static double[] greyOfRgb16(int[][] planes) {
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = luminance16(planes[0][i], planes[1][i], planes[2][i]);
        }
        return grey;
    }

    /** {@code color.NRGBA.RGBA()}: {@code (v * 0x101 * a) / 0xff}, then {@link #luminance16}. */
    private static double[] greyOfPremultiplied16(byte[] rgba) {
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) {
            int a = rgba[4 * i + 3] & 0xff;
            int r = (rgba[4 * i] & 0xff) * 0x101 * a / 0xff;
            int g = (rgba[4 * i + 1] & 0xff) * 0x101 * a / 0xff;
            int b = (rgba[4 * i + 2] & 0xff) * 0x101 * a / 0xff;
            grey[i] = luminance16(r, g, b);
        }
        return grey;
    }

    /** {@code color.YCbCr.RGBA()} of each pixel, then {@link #luminance16}. */
    private static double[] greyOfYCbCr(int[][] planes) {
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) {
            int y = planes[0][i] * 0x10101;
            int cb = planes[1][i] - 128;
            int cr = planes[2][i] - 128;
            grey[i] = luminance16(
                    ycbcrChannel(y + 91881 * cr),
                    ycbcrChannel(y - 22554 * cb - 46802 * cr),
                    ycbcrChannel(y + 116130 * cb));
        }
        return grey;
    }

    /** The rounding and clamping of one channel in Go's {@code color.YCbCr.RGBA()}. */
    private static int ycbcrChannel(int v) {
        if ((v & 0xff000000) == 0) {
            return v >> 8;
        }
        return ~(v >> 31) & 0xffff;
    }

    /**
     * nfnt/resize's NRGBA path premultiplies each source pixel with 8-bit precision
     * ({@code v * a / 0xff}) before filtering.
     */
    private static byte[] premultiply8(byte[] rgba) {
        byte[] rgb = new byte[rgba.length / 4 * 3];
        for (int i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
            int a = rgba[i + 3] & 0xff;
            rgb[j] = (byte) ((rgba[i] & 0xff) * a / 0xff);
            rgb[j + 1] = (byte) ((rgba[i + 1] & 0xff) * a / 0xff);
            rgb[j + 2] = (byte) ((rgba[i + 2] & 0xff) * a / 0xff);
        }
        return rgb;
    }

    /**
     * nfnt/resize's {@code imageYCbCrToYCC}: Y, Cb, Cr interleaved at full resolution, each chroma
     * sample repeated over the pixels it covers (no interpolation).
     */
    private static byte[] interleave(GoImage.YCbCr ycc) {
        int width = ycc.width();
        byte[] out = new byte[width * ycc.height() * 3];
        for (int y = 0, o = 0; y < ycc.height(); y++) {
            int yRow = y * ycc.yStride();
            int cRow = (y >> ycc.chromaShiftY()) * ycc.cStride();
            for (int x = 0; x < width; x++, o += 3) {
                int c = cRow + (x >> ycc.chromaShiftX());
                out[o] = ycc.y()[yRow + x];
                out[o + 1] = ycc.cb()[c];
                out[o + 2] = ycc.cr()[c];
            }
        }
        return out;
    }

    private static int[] unsigned(byte[] samples) {
        int[] out = new int[samples.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = samples[i] & 0xff;
        }
        return out;
    }

    private static int[] unsigned(char[] samples) {
        int[] out = new int[samples.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = samples[i];
        }
        return out;
    }

    private static int[][] planes(byte[] interleaved) {
        int[][] planes = new int[3][interleaved.length / 3];
        for (int i = 0; i < planes[0].length; i++) {
            for (int c = 0; c < 3; c++) {
                planes[c][i] = interleaved[3 * i + c] & 0xff;
            }
        }
        return planes;
    }

    private static int[][] planes(char[] interleaved) {
        int[][] planes = new int[3][interleaved.length / 3];
        for (int i = 0; i < planes[0].length; i++) {
            for (int c = 0; c < 3; c++) {
                planes[c][i] = interleaved[3 * i + c];
            }
        }
        return planes;
    }

    /**
     * goimagehash's {@code MedianOfPixelsFast64}: a quickselect for position 32 with Lomuto
     * partitioning around the element at {@code low/2 + hi/2}, then, because the length is even,
     * {@code s[31]/2 + s[32]/2} of the partially partitioned array. {@code s[31]} is whatever the
     * partitioning left there, not necessarily the 32nd smallest value, so this is not a true
     * median; it is reproduced step by step.
     */
    static double median(double[] values) {
        double[] s = values.clone();
        int k = s.length / 2;
        int low = 0;
        int hi = s.length - 1;
        while (low < hi) {
            int pivot = low / 2 + hi / 2;
            double pivotValue = s[pivot];
            swap(s, pivot, hi);
            int store = low;
            for (int i = low; i < hi; i++) {
                if (s[i] < pivotValue) {
                    swap(s, store, i);
                    store++;
                }
            }
            swap(s, hi, store);
            if (k <= store) {
                hi = store;
            } else {
                low = store + 1;
            }
        }
        return s[k - 1] / 2 + s[k] / 2;
    }

    private static void swap(double[] s, int i, int j) {
        double t = s[i];
        s[i] = s[j];
        s[j] = t;
    }
}
