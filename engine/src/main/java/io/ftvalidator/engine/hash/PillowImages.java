package io.ftvalidator.engine.hash;

/**
 * What {@code Image.open(...).convert('L')} gives in Pillow 9.4: the mode Pillow opens each kind of
 * PNG or JPEG in, then Pillow's integer conversion of that mode to 8-bit luminance 'L'. JPEGs are
 * decoded and converted by {@link LibJpeg#toLuminance}.
 */
final class PillowImages {

    /** An 8-bit single-channel image, Pillow mode 'L', row-major, one value 0..255 per int. */
    record Luminance(int width, int height, int[] pixels) {
    }

    private PillowImages() {
    }

    /**
     * Pillow's ITU-R 601-2 luma, {@code L24(rgb) >> 16} in Convert.c:
     * {@code (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16}.
     */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    static Luminance fromRgb(byte[] rgb, int width, int height) {
        int[] l = new int[width * height];
        for (int i = 0, j = 0; i < l.length; i++, j += 3) {
            l[i] = luma(rgb[j] & 0xff, rgb[j + 1] & 0xff, rgb[j + 2] & 0xff);
        }
        return new Luminance(width, height, l);
    }

    /**
     * Pillow's PngImagePlugin modes and their conversion to 'L':
     * <ul>
     *   <li>grey 1 bit: mode '1', converted 0 to 0 and 1 to 255; 2 and 4 bits: 'L' scaled by 0x55
     *       and 0x11; 8 bits: 'L';</li>
     *   <li>grey 16 bits: mode 'I' holding the 16-bit value, which 'I' to 'L' clips to 0..255, so
     *       nearly every 16-bit grey pixel becomes 255;</li>
     *   <li>RGB and RGBA: 8-bit, or the high byte of 16-bit samples; luma of R, G, B, alpha
     *       ignored;</li>
     *   <li>grey+alpha: 'LA' (8 bits) or 'RGBA' from the high bytes (16 bits); the grey sample;</li>
     *   <li>palette: luma of the palette entry; tRNS never changes the result.</li>
     * </ul>
     */
    static Luminance fromPng(PngImage png) {
        int n = png.width() * png.height();
        int channels = png.channels();
        int[] l = new int[n];
        int depth = png.bitDepth();
        byte[] s8 = png.samples8();
        char[] s16 = png.samples16();
        switch (png.colorType()) {
            case PngImage.GREY -> {
                for (int i = 0; i < n; i++) {
                    l[i] = switch (depth) {
                        case 1 -> s8[i] != 0 ? 255 : 0;
                        case 2 -> s8[i] * 0x55;
                        case 4 -> s8[i] * 0x11;
                        case 8 -> s8[i] & 0xff;
                        default -> Math.min(s16[i], 255);
                    };
                }
            }
            case PngImage.GREY_ALPHA -> {
                for (int i = 0; i < n; i++) {
                    l[i] = depth == 16 ? s16[2 * i] >> 8 : s8[2 * i] & 0xff;
                }
            }
            case PngImage.RGB, PngImage.RGBA -> {
                for (int i = 0, j = 0; i < n; i++, j += channels) {
                    l[i] = depth == 16
                            ? luma(s16[j] >> 8, s16[j + 1] >> 8, s16[j + 2] >> 8)
                            : luma(s8[j] & 0xff, s8[j + 1] & 0xff, s8[j + 2] & 0xff);
                }
            }
            case PngImage.PALETTE -> {
                int[] entries = paletteLuma(png.palette());
                for (int i = 0; i < n; i++) {
                    l[i] = entries[s8[i] & 0xff];
                }
            }
            default -> throw new IllegalStateException("colour type " + png.colorType());
        }
        return new Luminance(png.width(), png.height(), l);
    }

    /**
     * Luma of all 256 palette indices. Pillow starts every palette as a grey ramp (entry i is
     * (i, i, i)) and overwrites the entries the PLTE chunk gives, so an index past the PLTE is grey.
     */
    private static int[] paletteLuma(int[] palette) {
        int[] entries = new int[256];
        for (int i = 0; i < 256; i++) {
            int rgb = i < palette.length ? palette[i] : i << 16 | i << 8 | i;
            entries[i] = luma((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
        }
        return entries;
    }
}
