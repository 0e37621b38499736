package io.ftvalidator.engine.render;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/** An 8-bit RGB image, row-major, interleaved, as the renderer quantized it. */
public record RenderedImage(int width, int height, byte[] rgb) {

    public RenderedImage {
        if (rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("expected " + 3L * width * height + " bytes for " + width + "x" + height);
        }
    }

    /**
     * This image if neither side is longer than {@code maxSide}, else a copy scaled down to fit
     * within {@code maxSide} (aspect kept, at least 1 pixel a side), each pixel the mean of the
     * source area it covers (area averaging, so a thumbnail shows what the image shows, not
     * aliasing). For people to look at; hashes are always taken from the full image.
     */
    public RenderedImage fitWithin(int maxSide) {
        if (maxSide < 1) {
            throw new IllegalArgumentException("maxSide must be at least 1, not " + maxSide);
        }
        if (width <= maxSide && height <= maxSide) {
            return this;
        }
        double scale = (double) maxSide / Math.max(width, height);
        int w = Math.max(1, (int) Math.round(width * scale));
        int h = Math.max(1, (int) Math.round(height * scale));
        byte[] out = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            int y0 = (int) ((long) y * height / h);
            int y1 = Math.max(y0 + 1, (int) ((long) (y + 1) * height / h));
            for (int x = 0; x < w; x++) {
                int x0 = (int) ((long) x * width / w);
                int x1 = Math.max(x0 + 1, (int) ((long) (x + 1) * width / w));
                long r = 0;
                long g = 0;
                long b = 0;
                for (int sy = y0; sy < y1; sy++) {
                    for (int sx = x0; sx < x1; sx++) {
                        int i = 3 * (sy * width + sx);
                        r += rgb[i] & 0xFF;
                        g += rgb[i + 1] & 0xFF;
                        b += rgb[i + 2] & 0xFF;
                    }
                }
                long n = (long) (y1 - y0) * (x1 - x0);
                int o = 3 * (y * w + x);
                out[o] = (byte) ((r + n / 2) / n);
                out[o + 1] = (byte) ((g + n / 2) / n);
                out[o + 2] = (byte) ((b + n / 2) / n);
            }
        }
        return new RenderedImage(w, h, out);
    }

    /**
     * The image as a PNG: 8-bit RGB, no alpha, no interlace, no ancillary chunk, filter type 0 on
     * every row, so the same pixels always give the same bytes.
     */
    public byte[] toPng() {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(header);
            h.writeInt(width);
            h.writeInt(height);
            h.write(new byte[] {8, 2, 0, 0, 0}); // depth 8, colour type RGB, deflate, filter method 0, no interlace
            chunk(png, "IHDR", header.toByteArray());
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(data, new Deflater(Deflater.DEFAULT_COMPRESSION))) {
                for (int y = 0; y < height; y++) {
                    z.write(0);
                    z.write(rgb, y * width * 3, width * 3);
                }
            }
            chunk(png, "IDAT", data.toByteArray());
            chunk(png, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] body) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(body);
        d.writeInt(body.length);
        d.write(name);
        d.write(body);
        d.writeInt((int) crc.getValue());
    }
}
