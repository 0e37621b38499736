package io.ftvalidator.engine.hash;

/**
 * The samples of a PNG exactly as stored (after unfiltering and de-interlacing), before any colour
 * conversion: each reference decoder turns them into pixels its own way.
 *
 * @param width        pixels per row
 * @param height       rows
 * @param colorType    PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
 * @param bitDepth     1, 2, 4, 8 or 16
 * @param samples8     for bit depths up to 8: one unscaled sample per byte, row-major, interleaved
 * @param samples16    for bit depth 16: one sample per char, row-major, interleaved
 * @param palette      colour type 3: the PLTE entries as 0xRRGGBB; otherwise null
 * @param paletteAlpha colour type 3 with a tRNS chunk: the alpha of the first entries; otherwise null
 * @param transparent  colour types 0 and 2 with a tRNS chunk: the transparent grey or R, G, B sample
 *                     values as stored (16-bit); otherwise null
 */
record PngImage(
        int width,
        int height,
        int colorType,
        int bitDepth,
        byte[] samples8,
        char[] samples16,
        int[] palette,
        byte[] paletteAlpha,
        int[] transparent) {

    static final int GREY = 0;
    static final int RGB = 2;
    static final int PALETTE = 3;
    static final int GREY_ALPHA = 4;
    static final int RGBA = 6;

    /** Samples per pixel for this colour type. */
    int channels() {
        return channels(colorType);
    }

    static int channels(int colorType) {
        return switch (colorType) {
            case GREY, PALETTE -> 1;
            case GREY_ALPHA -> 2;
            case RGB -> 3;
            case RGBA -> 4;
            default -> throw new IllegalArgumentException("colour type " + colorType);
        };
    }
}
