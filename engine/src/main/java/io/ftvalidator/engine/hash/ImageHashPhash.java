package io.ftvalidator.engine.hash;

import java.util.Arrays;

/**
 * {@code imagehash.phash(image, hash_size=8)}: the 'L' image resized to 32x32 with Lanczos,
 * {@code scipy.fftpack.dct} along axis 0 then axis 1, the top-left 8x8 block, and one bit per value
 * strictly above {@code numpy.median} of the block (the mean of its two middle values), row-major,
 * first value in the most significant bit.
 */
final class ImageHashPhash {

    static final int SIZE = 32;
    private static final int KEEP = 8;

    private ImageHashPhash() {
    }

    static long hash(PillowImages.Luminance image) {
        int[] small = PillowResample.resize(image.pixels(), image.width(), image.height(), SIZE, SIZE);
        double[] low = topLeft8x8(small);
        double[] sorted = low.clone();
        Arrays.sort(sorted);
        return PerceptualHash.bitsAbove(low, (sorted[31] + sorted[32]) / 2);
    }

    /** DCT of every column (axis 0), then of the first 8 rows (axis 1); the 8x8 corner, row-major. */
    static double[] topLeft8x8(int[] pixels) {
        double[] work = new double[SIZE];
        double[] line = new double[SIZE];
        double[] columns = new double[SIZE * KEEP]; // [row][column] for rows 0..7
        for (int x = 0; x < SIZE; x++) {
            for (int y = 0; y < SIZE; y++) {
                line[y] = pixels[y * SIZE + x];
            }
            PocketFftDct.dct2(line, work);
            for (int y = 0; y < KEEP; y++) {
                columns[y * SIZE + x] = line[y];
            }
        }
        double[] block = new double[KEEP * KEEP];
        for (int y = 0; y < KEEP; y++) {
            System.arraycopy(columns, y * SIZE, line, 0, SIZE);
            PocketFftDct.dct2(line, work);
            System.arraycopy(line, 0, block, y * KEEP, KEEP);
        }
        return block;
    }
}
