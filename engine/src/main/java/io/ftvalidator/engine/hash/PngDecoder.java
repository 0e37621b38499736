package io.ftvalidator.engine.hash;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes a PNG into its stored samples ({@link PngImage}): chunk parsing with CRC checks, zlib
 * inflation, row unfiltering and Adam7 de-interlacing. It applies no colour conversion, gamma or
 * colour profile: Go's image/png and Pillow both ignore gAMA, cHRM, sRGB and iCCP.
 */
final class PngDecoder {

    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /** Refuse images whose samples would not fit comfortably in memory. */
    private static final long MAX_PIXELS = 1L << 27;

    /** Adam7 passes: x offset, y offset, x step, y step. */
    private static final int[][] ADAM7 = {
        {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}
    };

    private PngDecoder() {
    }

    static boolean hasSignature(byte[] data) {
        return data.length >= SIGNATURE.length && Arrays.equals(data, 0, SIGNATURE.length, SIGNATURE, 0, SIGNATURE.length);
    }

    static PngImage decode(byte[] data) throws ImageFormatException {
        if (!hasSignature(data)) {
            throw new ImageFormatException("not a PNG image");
        }
        Header header = null;
        int[] palette = null;
        byte[] paletteAlpha = null;
        int[] transparent = null;
        byte[] idat = new byte[0];
        int idatLength = 0;
        boolean seenEnd = false;
        int pos = SIGNATURE.length;
        CRC32 crc = new CRC32();
        while (!seenEnd) {
            if (data.length - pos < 12) {
                throw new ImageFormatException("truncated PNG");
            }
            long length = readUint32(data, pos);
            String type = new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (length > data.length - pos - 12L) {
                throw new ImageFormatException("truncated PNG");
            }
            int start = pos + 8;
            int len = (int) length;
            crc.reset();
            crc.update(data, pos + 4, len + 4);
            if (crc.getValue() != readUint32(data, start + len)) {
                throw new ImageFormatException("corrupt PNG: bad CRC in " + printable(type) + " chunk");
            }
            if (header == null && !type.equals("IHDR")) {
                throw new ImageFormatException("corrupt PNG: first chunk is not IHDR");
            }
            switch (type) {
                case "IHDR" -> {
                    if (header != null) {
                        throw new ImageFormatException("corrupt PNG: several IHDR chunks");
                    }
                    header = Header.parse(data, start, len);
                }
                case "PLTE" -> palette = parsePalette(header, data, start, len);
                case "tRNS" -> {
                    if (header.colorType == PngImage.PALETTE) {
                        if (len > 256) {
                            throw new ImageFormatException("corrupt PNG: bad tRNS length");
                        }
                        paletteAlpha = Arrays.copyOfRange(data, start, start + len);
                    } else {
                        transparent = parseTransparentColour(header, data, start, len);
                    }
                }
                case "IDAT" -> {
                    if (idatLength + len > idat.length) {
                        idat = Arrays.copyOf(idat, Math.max(idat.length * 2, idatLength + len));
                    }
                    System.arraycopy(data, start, idat, idatLength, len);
                    idatLength += len;
                }
                case "IEND" -> seenEnd = true;
                default -> {
                    // Ancillary and unknown chunks carry nothing that changes the samples.
                }
            }
            pos = start + len + 4;
        }
        if (header.colorType == PngImage.PALETTE && palette == null) {
            throw new ImageFormatException("corrupt PNG: palette image without PLTE chunk");
        }
        if (idatLength == 0) {
            throw new ImageFormatException("corrupt PNG: no image data");
        }
        byte[] raw = inflate(idat, idatLength, header.rawSize());
        return header.toImage(raw, palette, paletteAlpha, transparent);
    }

    private static int[] parsePalette(Header header, byte[] data, int start, int len) throws ImageFormatException {
        if (header.colorType == PngImage.GREY || header.colorType == PngImage.GREY_ALPHA) {
            throw new ImageFormatException("corrupt PNG: PLTE chunk in a grey image");
        }
        int entries = len / 3;
        if (len % 3 != 0 || entries == 0 || entries > 256
                || (header.colorType == PngImage.PALETTE && entries > 1 << header.bitDepth)) {
            throw new ImageFormatException("corrupt PNG: bad PLTE length");
        }
        int[] palette = new int[entries];
        for (int i = 0; i < entries; i++) {
            int p = start + 3 * i;
            palette[i] = (data[p] & 0xff) << 16 | (data[p + 1] & 0xff) << 8 | (data[p + 2] & 0xff);
        }
        return palette;
    }

    private static int[] parseTransparentColour(Header header, byte[] data, int start, int len)
            throws ImageFormatException {
        int count = switch (header.colorType) {
            case PngImage.GREY -> 1;
            case PngImage.RGB -> 3;
            default -> throw new ImageFormatException("corrupt PNG: tRNS chunk in an image with alpha");
        };
        if (len != 2 * count) {
            throw new ImageFormatException("corrupt PNG: bad tRNS length");
        }
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = (data[start + 2 * i] & 0xff) << 8 | (data[start + 2 * i + 1] & 0xff);
        }
        return values;
    }

    private static byte[] inflate(byte[] idat, int length, long rawSize) throws ImageFormatException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(idat, 0, length);
            byte[] raw = new byte[(int) rawSize];
            int done = 0;
            while (done < raw.length) {
                int n = inflater.inflate(raw, done, raw.length - done);
                if (n == 0) {
                    if (inflater.finished() || inflater.needsInput()) {
                        throw new ImageFormatException("truncated PNG");
                    }
                    if (inflater.needsDictionary()) {
                        throw new ImageFormatException("corrupt PNG: zlib stream needs a preset dictionary");
                    }
                }
                done += n;
            }
            // Read to the end of the zlib stream, so that zlib verifies its Adler-32 checksum.
            byte[] extra = new byte[1];
            while (!inflater.finished()) {
                if (inflater.inflate(extra) != 0) {
                    throw new ImageFormatException("corrupt PNG: too much pixel data");
                }
                if (inflater.needsInput()) {
                    throw new ImageFormatException("truncated PNG");
                }
            }
            return raw;
        } catch (DataFormatException e) {
            throw new ImageFormatException("corrupt PNG: bad zlib data");
        } finally {
            inflater.end();
        }
    }

    private static long readUint32(byte[] data, int pos) {
        return (data[pos] & 0xffL) << 24 | (data[pos + 1] & 0xff) << 16 | (data[pos + 2] & 0xff) << 8 | (data[pos + 3] & 0xff);
    }

    private static String printable(String type) {
        return type.chars().allMatch(c -> c >= 'A' && c <= 'z') ? type : "unnamed";
    }

    /** The IHDR fields, and the unfiltering that depends on them. */
    private record Header(int width, int height, int bitDepth, int colorType, boolean interlaced) {

        static Header parse(byte[] data, int start, int len) throws ImageFormatException {
            if (len != 13) {
                throw new ImageFormatException("corrupt PNG: bad IHDR length");
            }
            long width = readUint32(data, start);
            long height = readUint32(data, start + 4);
            int bitDepth = data[start + 8] & 0xff;
            int colorType = data[start + 9] & 0xff;
            if (width == 0 || height == 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
                throw new ImageFormatException("corrupt PNG: bad dimensions " + width + "x" + height);
            }
            if (width * height > MAX_PIXELS) {
                throw new ImageFormatException("unsupported PNG: too large (" + width + "x" + height + ")");
            }
            boolean valid = switch (colorType) {
                case PngImage.GREY -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
                case PngImage.PALETTE -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
                case PngImage.RGB, PngImage.GREY_ALPHA, PngImage.RGBA -> bitDepth == 8 || bitDepth == 16;
                default -> false;
            };
            if (!valid) {
                throw new ImageFormatException(
                        "corrupt PNG: bad colour type " + colorType + " with bit depth " + bitDepth);
            }
            if (data[start + 10] != 0 || data[start + 11] != 0) {
                throw new ImageFormatException("unsupported PNG: unknown compression or filter method");
            }
            int interlace = data[start + 12];
            if (interlace != 0 && interlace != 1) {
                throw new ImageFormatException("unsupported PNG: unknown interlace method");
            }
            return new Header((int) width, (int) height, bitDepth, colorType, interlace == 1);
        }

        int bitsPerPixel() {
            return bitDepth * PngImage.channels(colorType);
        }

        long rowBytes(int pixels) {
            return (bitsPerPixel() * (long) pixels + 7) / 8;
        }

        /** Bytes of filtered data (a filter byte per row) for the whole image, all passes included. */
        long rawSize() throws ImageFormatException {
            long size = 0;
            if (interlaced) {
                for (int[] pass : ADAM7) {
                    int w = passSize(width, pass[0], pass[2]);
                    int h = passSize(height, pass[1], pass[3]);
                    if (w > 0 && h > 0) {
                        size += h * (1 + rowBytes(w));
                    }
                }
            } else {
                size = height * (1 + rowBytes(width));
            }
            if (size > Integer.MAX_VALUE - 16) {
                throw new ImageFormatException("unsupported PNG: too large (" + width + "x" + height + ")");
            }
            return size;
        }

        static int passSize(int size, int offset, int step) {
            return size <= offset ? 0 : (size - offset + step - 1) / step;
        }

        PngImage toImage(byte[] raw, int[] palette, byte[] paletteAlpha, int[] transparent)
                throws ImageFormatException {
            int channels = PngImage.channels(colorType);
            int count = width * height * channels;
            byte[] samples8 = bitDepth <= 8 ? new byte[count] : null;
            char[] samples16 = bitDepth == 16 ? new char[count] : null;
            int bytesPerPixel = Math.max(1, bitsPerPixel() / 8);
            int offset = 0;
            int[][] passes = interlaced ? ADAM7 : new int[][] {{0, 0, 1, 1}};
            for (int[] pass : passes) {
                int w = passSize(width, pass[0], pass[2]);
                int h = passSize(height, pass[1], pass[3]);
                if (w == 0 || h == 0) {
                    continue;
                }
                int rowBytes = (int) rowBytes(w);
                for (int y = 0; y < h; y++) {
                    int row = offset + 1;
                    unfilter(raw[offset] & 0xff, raw, row, y == 0 ? -1 : row - 1 - rowBytes, rowBytes, bytesPerPixel);
                    offset += 1 + rowBytes;
                    int outY = pass[1] + y * pass[3];
                    if (bitDepth == 8 && !interlaced) {
                        System.arraycopy(raw, row, samples8, outY * width * channels, rowBytes);
                        continue;
                    }
                    for (int x = 0; x < w; x++) {
                        int outIndex = ((outY * width) + pass[0] + x * pass[2]) * channels;
                        for (int c = 0; c < channels; c++) {
                            int sample = x * channels + c;
                            if (bitDepth == 16) {
                                samples16[outIndex + c] =
                                        (char) ((raw[row + 2 * sample] & 0xff) << 8 | (raw[row + 2 * sample + 1] & 0xff));
                            } else if (bitDepth == 8) {
                                samples8[outIndex + c] = raw[row + sample];
                            } else {
                                int bit = sample * bitDepth;
                                int shift = 8 - bitDepth - (bit & 7);
                                samples8[outIndex + c] = (byte) ((raw[row + (bit >> 3)] >> shift) & ((1 << bitDepth) - 1));
                            }
                        }
                    }
                }
            }
            return new PngImage(width, height, colorType, bitDepth, samples8, samples16, palette, paletteAlpha, transparent);
        }

        /**
         * Undoes one row's filter in place: the row is {@code buf[at .. at+len)}, the previous row
         * of the same pass {@code buf[prev .. prev+len)}, or zeros if {@code prev} is negative.
         */
        private static void unfilter(int filter, byte[] buf, int at, int prev, int len, int bpp)
                throws ImageFormatException {
            switch (filter) {
                case 0 -> {
                }
                case 1 -> {
                    for (int i = bpp; i < len; i++) {
                        buf[at + i] += buf[at + i - bpp];
                    }
                }
                case 2 -> {
                    if (prev >= 0) {
                        for (int i = 0; i < len; i++) {
                            buf[at + i] += buf[prev + i];
                        }
                    }
                }
                case 3 -> {
                    for (int i = 0; i < len; i++) {
                        int left = i >= bpp ? buf[at + i - bpp] & 0xff : 0;
                        int up = prev >= 0 ? buf[prev + i] & 0xff : 0;
                        buf[at + i] += (byte) ((left + up) >>> 1);
                    }
                }
                case 4 -> {
                    for (int i = 0; i < len; i++) {
                        int a = i >= bpp ? buf[at + i - bpp] & 0xff : 0;
                        int b = prev >= 0 ? buf[prev + i] & 0xff : 0;
                        int c = prev >= 0 && i >= bpp ? buf[prev + i - bpp] & 0xff : 0;
                        buf[at + i] += (byte) paeth(a, b, c);
                    }
                }
                default -> throw new ImageFormatException("corrupt PNG: bad filter type " + filter);
            }
        }

        private static int paeth(int a, int b, int c) {
            int pa = Math.abs(b - c);
            int pb = Math.abs(a - c);
            int pc = Math.abs(a + b - 2 * c);
            if (pa <= pb && pa <= pc) {
                return a;
            }
            return pb <= pc ? b : c;
        }
    }
}
