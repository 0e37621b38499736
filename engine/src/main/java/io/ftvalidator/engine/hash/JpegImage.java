package io.ftvalidator.engine.hash;

/**
 * A JPEG decoded down to its quantized DCT coefficients: what every decoder agrees on. The two
 * references differ only in how they turn coefficients into pixels ({@link GoJpeg}, {@link LibJpeg}).
 *
 * @param width      image width in pixels
 * @param height     image height in pixels
 * @param components 1 (grey) or 3 (Y, Cb, Cr), in frame order
 * @param maxH       largest horizontal sampling factor
 * @param maxV       largest vertical sampling factor
 */
record JpegImage(int width, int height, Component[] components, int maxH, int maxV) {

    /**
     * One component's coefficients, for a grid of {@code blocksWide x blocksHigh} 8x8 blocks (whole
     * MCUs, so it may extend past the image), 64 values per block in natural (row-major) order, not
     * yet multiplied by the quantization table.
     *
     * @param quant the quantization table, in zig-zag order as stored in the file
     */
    record Component(int id, int h, int v, int[] quant, int blocksWide, int blocksHigh, int[] coefficients) {

        /** Samples per row of this component that lie in the image: ceil(width * h / maxH). */
        int sampleWidth(JpegImage image) {
            return (image.width() * h + image.maxH() - 1) / image.maxH();
        }

        /** Sample rows of this component that lie in the image: ceil(height * v / maxV). */
        int sampleHeight(JpegImage image) {
            return (image.height() * v + image.maxV() - 1) / image.maxV();
        }
    }

    /** Position in natural order of the k-th coefficient in zig-zag order. */
    static final int[] NATURAL_ORDER = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    };
}
