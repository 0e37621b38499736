package io.ftvalidator.engine.hash;

/**
 * Turns decoded samples into the {@link GoImage} that Go's decoders produce: which image type a
 * PNG becomes in {@code image/png} (Go 1.19), and the pixel values that type reports.
 */
final class GoImages {

    private GoImages() {
    }

    /**
     * The {@code image.Image} Go's {@code png.Decode} returns, reduced to a {@link GoImage}:
     * <ul>
     *   <li>grey, 1-8 bits: {@code *image.Gray}, low depths scaled by 0xff, 0x55, 0x11;</li>
     *   <li>grey, 16 bits: {@code *image.Gray16};</li>
     *   <li>RGB, 8 bits: {@code *image.RGBA} (opaque); 16 bits: {@code *image.RGBA64};</li>
     *   <li>grey+alpha and RGBA, 8 bits: {@code *image.NRGBA}; 16 bits: {@code *image.NRGBA64};</li>
     *   <li>grey or RGB with a tRNS colour: {@code *image.NRGBA} / {@code *image.NRGBA64}, alpha 0 where
     *       the colour matches (8-bit and lower depths compare with the low byte of the tRNS value
     *       only, multiplied like the samples for depths below 8, in 8-bit arithmetic);</li>
     *   <li>palette: {@code *image.Paletted}; entries past the PLTE are opaque black, tRNS alphas turn
     *       entries into {@code color.NRGBA}.</li>
     * </ul>
     */
    static GoImage fromPng(PngImage png) {
        int w = png.width();
        int h = png.height();
        int n = w * h;
        int depth = png.bitDepth();
        int[] trns = png.transparent();
        switch (png.colorType()) {
            case PngImage.GREY -> {
                if (depth == 16) {
                    char[] s = png.samples16();
                    if (trns == null) {
                        return new GoImage.Gray16(w, h, s);
                    }
                    char[] rgb = new char[3 * n];
                    for (int i = 0; i < n; i++) {
                        char v = s[i] == trns[0] ? 0 : s[i]; // alpha 0 or 0xffff, premultiplied
                        rgb[3 * i] = v;
                        rgb[3 * i + 1] = v;
                        rgb[3 * i + 2] = v;
                    }
                    return new GoImage.Rgb16(w, h, rgb);
                }
                int scale = switch (depth) {
                    case 1 -> 0xff;
                    case 2 -> 0x55;
                    case 4 -> 0x11;
                    default -> 1;
                };
                byte[] s = png.samples8();
                byte[] gray = new byte[n];
                for (int i = 0; i < n; i++) {
                    gray[i] = (byte) ((s[i] & 0xff) * scale);
                }
                if (trns == null) {
                    return new GoImage.Gray8(w, h, gray);
                }
                int transparent = (trns[0] & 0xff) * scale & 0xff;
                byte[] rgba = new byte[4 * n];
                for (int i = 0; i < n; i++) {
                    rgba[4 * i] = gray[i];
                    rgba[4 * i + 1] = gray[i];
                    rgba[4 * i + 2] = gray[i];
                    rgba[4 * i + 3] = (byte) ((gray[i] & 0xff) == transparent ? 0 : 0xff);
                }
                return new GoImage.Nrgba8(w, h, rgba);
            }
            case PngImage.RGB -> {
                if (depth == 16) {
                    char[] s = png.samples16();
                    if (trns == null) {
                        return new GoImage.Rgb16(w, h, s);
                    }
                    char[] rgb = new char[3 * n];
                    for (int i = 0; i < n; i++) {
                        boolean match = s[3 * i] == trns[0] && s[3 * i + 1] == trns[1] && s[3 * i + 2] == trns[2];
                        for (int c = 0; c < 3; c++) {
                            rgb[3 * i + c] = match ? 0 : s[3 * i + c];
                        }
                    }
                    return new GoImage.Rgb16(w, h, rgb);
                }
                byte[] s = png.samples8();
                if (trns == null) {
                    return new GoImage.Rgb8(w, h, s);
                }
                byte[] rgba = new byte[4 * n];
                for (int i = 0; i < n; i++) {
                    boolean match = (s[3 * i] & 0xff) == (trns[0] & 0xff)
                            && (s[3 * i + 1] & 0xff) == (trns[1] & 0xff)
                            && (s[3 * i + 2] & 0xff) == (trns[2] & 0xff);
                    rgba[4 * i] = s[3 * i];
                    rgba[4 * i + 1] = s[3 * i + 1];
                    rgba[4 * i + 2] = s[3 * i + 2];
                    rgba[4 * i + 3] = (byte) (match ? 0 : 0xff);
                }
                return new GoImage.Nrgba8(w, h, rgba);
            }
            case PngImage.GREY_ALPHA -> {
                if (depth == 16) {
                    char[] s = png.samples16();
                    char[] rgb = new char[3 * n];
                    for (int i = 0; i < n; i++) {
                        char v = (char) ((long) s[2 * i] * s[2 * i + 1] / 0xffff);
                        rgb[3 * i] = v;
                        rgb[3 * i + 1] = v;
                        rgb[3 * i + 2] = v;
                    }
                    return new GoImage.Rgb16(w, h, rgb);
                }
                byte[] s = png.samples8();
                byte[] rgba = new byte[4 * n];
                for (int i = 0; i < n; i++) {
                    rgba[4 * i] = s[2 * i];
                    rgba[4 * i + 1] = s[2 * i];
                    rgba[4 * i + 2] = s[2 * i];
                    rgba[4 * i + 3] = s[2 * i + 1];
                }
                return new GoImage.Nrgba8(w, h, rgba);
            }
            case PngImage.RGBA -> {
                if (depth == 16) {
                    char[] s = png.samples16();
                    char[] rgb = new char[3 * n];
                    for (int i = 0; i < n; i++) {
                        long a = s[4 * i + 3];
                        for (int c = 0; c < 3; c++) {
                            rgb[3 * i + c] = (char) (s[4 * i + c] * a / 0xffff);
                        }
                    }
                    return new GoImage.Rgb16(w, h, rgb);
                }
                return new GoImage.Nrgba8(w, h, png.samples8());
            }
            case PngImage.PALETTE -> {
                char[][] entries = paletteRgba16(png.palette(), png.paletteAlpha());
                byte[] s = png.samples8();
                char[] rgb = new char[3 * n];
                for (int i = 0; i < n; i++) {
                    char[] e = entries[s[i] & 0xff];
                    rgb[3 * i] = e[0];
                    rgb[3 * i + 1] = e[1];
                    rgb[3 * i + 2] = e[2];
                }
                return new GoImage.Rgb16(w, h, rgb);
            }
            default -> throw new IllegalStateException("colour type " + png.colorType());
        }
    }

    /** {@code RGBA()} (16-bit, premultiplied) of all 256 possible palette indices. */
    private static char[][] paletteRgba16(int[] palette, byte[] alpha) {
        char[][] entries = new char[256][];
        for (int i = 0; i < 256; i++) {
            int rgb = i < palette.length ? palette[i] : 0; // Go: opaque black past the PLTE
            int a = alpha != null && i < alpha.length ? alpha[i] & 0xff : 0xff;
            entries[i] = new char[] {
                (char) (((rgb >> 16) & 0xff) * 0x101 * a / 0xff),
                (char) (((rgb >> 8) & 0xff) * 0x101 * a / 0xff),
                (char) ((rgb & 0xff) * 0x101 * a / 0xff),
            };
        }
        return entries;
    }
}
