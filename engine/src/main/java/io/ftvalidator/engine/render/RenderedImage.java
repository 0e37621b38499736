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
