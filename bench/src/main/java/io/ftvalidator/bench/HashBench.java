package io.ftvalidator.bench;

import io.ftvalidator.engine.hash.ImageFormatException;
import io.ftvalidator.engine.hash.PerceptualHash;
import io.ftvalidator.engine.render.RenderedImage;
import io.ftvalidator.hash.HashAlgorithm;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to hash one 512x512 RGB image (the renderer's output size), for both algorithms: from decoded
 * pixels ({@code hashRgb}, what the worker does with a fresh render) and from the image's 8-bit RGB
 * PNG bytes (decode included).
 *
 * <p>{@code java -jar bench/target/benchmarks.jar HashBench -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HashBench {

    private static final int SIZE = 512;

    @Param({"goimagehash", "imagehash"})
    public String algorithm;

    private HashAlgorithm hash;
    private byte[] rgb;
    private byte[] png;

    @Setup
    public void setUp() throws IOException {
        hash = HashAlgorithm.fromCliName(algorithm);
        rgb = renderLike(SIZE, SIZE, 42);
        png = new RenderedImage(SIZE, SIZE, rgb).toPng(); // the PNG the command line saves
    }

    @Benchmark
    public long fromPixels() {
        return PerceptualHash.hashRgb(hash, rgb, SIZE, SIZE);
    }

    @Benchmark
    public long fromPng() throws ImageFormatException {
        return PerceptualHash.hash(hash, png);
    }

    /** Smooth colour fields with fine noise: compresses like a render, not like flat colour. */
    private static byte[] renderLike(int width, int height, long seed) {
        Random random = new Random(seed);
        byte[] out = new byte[width * height * 3];
        double[] phase = {random.nextDouble() * 6, random.nextDouble() * 6, random.nextDouble() * 6};
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    double v = 110 + 90 * Math.sin(x / (23.0 + 7 * c) + phase[c]) * Math.cos(y / (31.0 - 5 * c));
                    out[(y * width + x) * 3 + c] = (byte) Math.max(0, Math.min(255, (int) v + random.nextInt(24)));
                }
            }
        }
        return out;
    }
}
