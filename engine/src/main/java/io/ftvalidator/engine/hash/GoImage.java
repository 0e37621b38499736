package io.ftvalidator.engine.hash;

/**
 * A decoded image as Go's image package holds it, reduced to what {@code nfnt/resize} and
 * goimagehash read from it. Each variant is one of nfnt/resize's type-specific code paths.
 */
sealed interface GoImage {

    int width();

    int height();

    /**
     * {@code *image.RGBA} with opaque pixels (Go's decoding of an 8-bit RGB PNG), or any 8-bit
     * premultiplied RGB: 3 bytes per pixel; alpha never reaches the hash.
     */
    record Rgb8(int width, int height, byte[] rgb) implements GoImage {
    }

    /** {@code *image.NRGBA}: 8-bit RGBA, not premultiplied, 4 bytes per pixel. */
    record Nrgba8(int width, int height, byte[] rgba) implements GoImage {
    }

    /** {@code *image.Gray}: one byte per pixel. */
    record Gray8(int width, int height, byte[] gray) implements GoImage {
    }

    /** {@code *image.Gray16}: one 16-bit sample per pixel. */
    record Gray16(int width, int height, char[] gray) implements GoImage {
    }

    /**
     * 16-bit premultiplied RGB, 3 chars per pixel: what {@code RGBA()} returns for every pixel of an
     * {@code *image.RGBA64}, {@code *image.NRGBA64} or {@code *image.Paletted}. nfnt/resize takes
     * these through its RGBA64, NRGBA64 and generic paths, which do the same arithmetic on them.
     */
    record Rgb16(int width, int height, char[] rgb) implements GoImage {
    }

    /**
     * {@code *image.YCbCr} from image/jpeg: full-resolution Y, and Cb/Cr planes subsampled by
     * {@code 1 << chromaShiftX} horizontally and {@code 1 << chromaShiftY} vertically; pixel (x, y)
     * uses chroma sample {@code (x >> chromaShiftX, y >> chromaShiftY)}, as Go's {@code COffset}.
     */
    record YCbCr(int width, int height, byte[] y, int yStride, byte[] cb, byte[] cr, int cStride,
            int chromaShiftX, int chromaShiftY) implements GoImage {
    }
}
