package io.ftvalidator.engine.hash;

import io.ftvalidator.hash.HashAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * 64-bit perceptual hashes of images, bit-exact with the reference implementations named by
 * {@link HashAlgorithm}. Stateless and thread-safe: every call works on its own buffers.
 */
public final class PerceptualHash {

    private PerceptualHash() {
    }

    /**
     * Hashes an encoded PNG or baseline/progressive JPEG, decoded as the algorithm's reference
     * decoder decodes it.
     *
     * @throws ImageFormatException if the bytes are not a PNG or JPEG this package can decode
     */
    public static long hash(HashAlgorithm algorithm, byte[] encoded) throws ImageFormatException {
        if (PngDecoder.hasSignature(encoded)) {
            PngImage png = PngDecoder.decode(encoded);
            return switch (algorithm) {
                case GOIMAGEHASH -> GoImageHash.hash(GoImages.fromPng(png));
                case IMAGEHASH -> ImageHashPhash.hash(PillowImages.fromPng(png));
            };
        }
        if (JpegDecoder.hasSignature(encoded)) {
            JpegImage jpeg = JpegDecoder.decode(encoded);
            return switch (algorithm) {
                case GOIMAGEHASH -> GoImageHash.hash(GoJpeg.toGoImage(jpeg));
                case IMAGEHASH -> ImageHashPhash.hash(LibJpeg.toLuminance(jpeg));
            };
        }
        throw new ImageFormatException(encoded.length == 0 ? "empty file" : "not a PNG or JPEG image");
    }

    /**
     * Hashes an encoded PNG or JPEG file.
     *
     * @throws IOException          if the file cannot be read
     * @throws ImageFormatException if it is not a PNG or JPEG this package can decode
     */
    public static long hash(HashAlgorithm algorithm, Path file) throws IOException, ImageFormatException {
        return hash(algorithm, Files.readAllBytes(file));
    }

    /**
     * Hashes 8-bit RGB pixels, row-major and interleaved ({@code r, g, b, r, g, b, ...}): the same hash
     * as these pixels written to an 8-bit RGB PNG and hashed with {@link #hash(HashAlgorithm, byte[])}.
     *
     * @throws IllegalArgumentException if the sizes are not positive or do not match the array
     */
    public static long hashRgb(HashAlgorithm algorithm, byte[] rgb, int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(
                    "expected " + width + "x" + height + "x3 RGB bytes, got " + rgb.length);
        }
        return switch (algorithm) {
            case GOIMAGEHASH -> GoImageHash.hash(new GoImage.Rgb8(width, height, rgb));
            case IMAGEHASH -> ImageHashPhash.hash(PillowImages.fromRgb(rgb, width, height));
        };
    }

    /**
     * One bit per value strictly above {@code median}, the first of the 64 values in the most
     * significant bit: how both references turn the 8x8 DCT block into a hash.
     */
    static long bitsAbove(double[] values, double median) {
        long hash = 0;
        for (int i = 0; i < 64; i++) {
            if (values[i] > median) {
                hash |= 1L << (63 - i);
            }
        }
        return hash;
    }

    /** The hash as 16 lower-case hex digits, most significant first (as both references print it). */
    public static String toHex(long hash) {
        return HexFormat.of().toHexDigits(hash);
    }

    /**
     * Parses 16 hex digits written by {@link #toHex}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static long fromHex(String hex) {
        if (hex.length() != 16) {
            throw new IllegalArgumentException("a hash is 16 hex digits, got '" + hex + "'");
        }
        return HexFormat.fromHexDigitsToLong(hex);
    }
}
