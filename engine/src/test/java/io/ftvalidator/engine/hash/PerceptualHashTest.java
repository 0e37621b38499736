package io.ftvalidator.engine.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.hash.HashAlgorithm;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class PerceptualHashTest {

    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({
        "GOIMAGEHASH, 512, 512", "GOIMAGEHASH, 64, 64", "GOIMAGEHASH, 31, 97", "GOIMAGEHASH, 8, 8",
        "IMAGEHASH, 512, 512", "IMAGEHASH, 32, 32", "IMAGEHASH, 31, 97", "IMAGEHASH, 8, 8",
    })
    void shouldHashRgbPixelsLikeTheSamePixelsWrittenAsPng(HashAlgorithm algorithm, int width, int height)
            throws Exception {
        byte[] rgb = smoothNoise(width, height, width * 31L + height);

        long fromPixels = PerceptualHash.hashRgb(algorithm, rgb, width, height);
        // the PNG the command line writes, and ImageIO's (other filters, other compression) as an independent encoder
        long fromOurPng = PerceptualHash.hash(algorithm, new RenderedImage(width, height, rgb).toPng());
        long fromImageIoPng = PerceptualHash.hash(algorithm, toRgbPngWithImageIo(rgb, width, height));

        assertThat(PerceptualHash.toHex(fromPixels)).isEqualTo(PerceptualHash.toHex(fromOurPng)).isEqualTo(PerceptualHash.toHex(fromImageIoPng));
    }

    @ParameterizedTest
    @EnumSource(HashAlgorithm.class)
    void shouldRejectTextFile(HashAlgorithm algorithm) {
        byte[] text = "hello, this is not an image\n".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> PerceptualHash.hash(algorithm, text))
                .isInstanceOf(ImageFormatException.class)
                .hasMessage("not a PNG or JPEG image");
    }

    @ParameterizedTest
    @EnumSource(HashAlgorithm.class)
    void shouldRejectEmptyFile(HashAlgorithm algorithm) {
        assertThatThrownBy(() -> PerceptualHash.hash(algorithm, new byte[0]))
                .isInstanceOf(ImageFormatException.class)
                .hasMessage("empty file");
    }

    @ParameterizedTest
    @EnumSource(HashAlgorithm.class)
    void shouldRejectTruncatedPng(HashAlgorithm algorithm) throws Exception {
        byte[] png = Files.readAllBytes(GoldenVectors.directory().resolve("images/v1_001.png"));

        for (int length : new int[] {8, 20, 40, png.length / 2, png.length - 1}) {
            byte[] truncated = Arrays.copyOf(png, length);
            assertThatThrownBy(() -> PerceptualHash.hash(algorithm, truncated))
                    .as("first %d bytes", length)
                    .isInstanceOf(ImageFormatException.class)
                    .hasMessage("truncated PNG");
        }
    }

    @ParameterizedTest
    @EnumSource(HashAlgorithm.class)
    void shouldRejectTruncatedJpeg(HashAlgorithm algorithm) throws Exception {
        byte[] jpeg = Files.readAllBytes(GoldenVectors.directory().resolve("images/v1_027.jpg"));

        for (int length : new int[] {3, 100, jpeg.length / 2, jpeg.length - 2}) {
            byte[] truncated = Arrays.copyOf(jpeg, length);
            assertThatThrownBy(() -> PerceptualHash.hash(algorithm, truncated))
                    .as("first %d bytes", length)
                    .isInstanceOf(ImageFormatException.class)
                    .hasMessage("truncated JPEG");
        }
    }

    @Test
    void shouldRejectPngWithBadChecksum() throws Exception {
        byte[] png = Files.readAllBytes(GoldenVectors.directory().resolve("images/v1_001.png"));
        png[50] ^= 0x55; // inside the data of the first IDAT chunk

        assertThatThrownBy(() -> PerceptualHash.hash(HashAlgorithm.IMAGEHASH, png))
                .isInstanceOf(ImageFormatException.class)
                .hasMessage("corrupt PNG: bad CRC in IDAT chunk");
    }

    @Test
    void shouldRejectRgbBufferOfWrongSize() {
        assertThatThrownBy(() -> PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, new byte[10], 2, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected 2x2x3 RGB bytes, got 10");
    }

    @Test
    void shouldFormatAndParseHashAsSixteenLowerCaseHexDigits() {
        assertThat(PerceptualHash.toHex(0x00ff00000000abcdL)).isEqualTo("00ff00000000abcd");
        assertThat(PerceptualHash.toHex(-1L)).isEqualTo("ffffffffffffffff");
        assertThat(PerceptualHash.fromHex("ffffffffffffffff")).isEqualTo(-1L);
        assertThat(PerceptualHash.fromHex("00ff00000000abcd")).isEqualTo(0x00ff00000000abcdL);
        assertThatThrownBy(() -> PerceptualHash.fromHex("abc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldGiveTheSameHashesWhenHashingFromSeveralThreads() throws Exception {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(smoothNoise(200 + 13 * i, 150 + 7 * i, i));
        }
        List<String> sequential = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            sequential.add(hashBoth(images.get(i), 200 + 13 * i, 150 + 7 * i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < images.size(); i++) {
                    int index = i;
                    futures.add(pool.submit(() -> hashBoth(images.get(index), 200 + 13 * index, 150 + 7 * index)));
                }
            }
            for (int f = 0; f < futures.size(); f++) {
                assertThat(futures.get(f).get()).isEqualTo(sequential.get(f % images.size()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String hashBoth(byte[] rgb, int width, int height) {
        return PerceptualHash.toHex(PerceptualHash.hashRgb(HashAlgorithm.GOIMAGEHASH, rgb, width, height))
                + PerceptualHash.toHex(PerceptualHash.hashRgb(HashAlgorithm.IMAGEHASH, rgb, width, height));
    }

    /** A reproducible image with structure at several scales, so that hashes are not degenerate. */
    static byte[] smoothNoise(int width, int height, long seed) {
        Random random = new Random(seed);
        double[][] blobs = new double[6][];
        for (int i = 0; i < blobs.length; i++) {
            blobs[i] = new double[] {random.nextDouble() * width, random.nextDouble() * height,
                4 + random.nextDouble() * Math.max(width, height) / 3.0, random.nextDouble()};
        }
        byte[] rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    double v = 0;
                    for (int i = c; i < blobs.length; i += 2) {
                        double dx = x - blobs[i][0];
                        double dy = y - blobs[i][1];
                        v += blobs[i][3] * Math.exp(-(dx * dx + dy * dy) / (2 * blobs[i][2] * blobs[i][2]));
                    }
                    int value = (int) (v * 160 + random.nextInt(40));
                    rgb[(y * width + x) * 3 + c] = (byte) Math.min(255, value);
                }
            }
        }
        return rgb;
    }

    /** Writes 8-bit RGB pixels as an 8-bit RGB PNG with ImageIO: a test oracle, not a second writer of ours. */
    static byte[] toRgbPngWithImageIo(byte[] rgb, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                image.setRGB(x, y, (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
