package io.ftvalidator.engine.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NfntResizeTest {

    @Test
    void shouldDivideExactlyLikeIntegerDivisionForEveryDivisorOfAnyImageSize() {
        Random random = new Random(3);
        for (int d = 1; d <= 1 << 17; d += d < 4096 ? 1 : 97) {
            NfntResize.Divisor divisor = new NfntResize.Divisor(d);
            int[] samples = {0, 1, d - 1, d, d + 1, 255 * d, 255 * d + d - 1, Integer.MAX_VALUE,
                Integer.MAX_VALUE - 1, random.nextInt(Integer.MAX_VALUE), random.nextInt(256 * d)};
            for (int n : samples) {
                assertThat(divisor.divide(n)).as("%d / %d", n, d).isEqualTo(NfntResize.clamp8(n / d));
            }
        }
    }

    @Test
    void shouldMergeTapsClampedToTheSameEdgePixel() {
        NfntResize.Taps taps = NfntResize.bilinearTaps(512, 64, 8);

        assertThat(taps.low[0]).isZero();
        assertThat(taps.low[63] + taps.first[64] - taps.first[63] - 1).isEqualTo(511);
        for (int x = 0; x < 64; x++) {
            int total = 0;
            for (int t = taps.first[x]; t < taps.first[x + 1]; t++) {
                total += taps.coeff[t];
            }
            assertThat(total).isEqualTo(taps.sum[x]);
        }
    }

    @Test
    void shouldSumLikeNfntResizesUnmergedTaps() {
        Random random = new Random(7);
        int[][] sizes = {{512, 64}, {100, 64}, {37, 64}, {64, 64}, {65, 64}, {2, 64}, {1, 64}, {1000, 64}, {7, 3}};
        for (int bits : new int[] {8, 16}) {
            for (int[] size : sizes) {
                int in = size[0];
                int out = size[1];
                NfntResize.Taps taps = NfntResize.bilinearTaps(in, out, bits);
                for (int trial = 0; trial < 5; trial++) {
                    int[] row = new int[in];
                    for (int i = 0; i < in; i++) {
                        row[i] = trial == 0 ? 255 : random.nextInt(256);
                    }
                    long[] expected = unmergedSums(row, out, bits);
                    for (int x = 0; x < out; x++) {
                        long merged = 0;
                        for (int t = taps.first[x]; t < taps.first[x + 1]; t++) {
                            merged += (long) taps.coeff[t] * row[taps.low[x] + t - taps.first[x]];
                        }
                        assertThat(merged).as("%d -> %d, %d bits, output %d", in, out, bits, x).isEqualTo(expected[x]);
                    }
                }
            }
        }
    }

    /**
     * nfnt/resize's own filtering of one row, written out as it does it: {@code createWeights8} /
     * {@code createWeights16} with the bilinear kernel (filter length 2, blur 1) give
     * {@code filterLength} coefficients per output, each {@code int16/int32(kernel(in) * 2^bits)};
     * {@code resize8/16} add {@code coeff * row[clamp(start + i)]} for every non-zero coefficient.
     */
    private static long[] unmergedSums(int[] row, int out, int bits) {
        int in = row.length;
        double scale = (double) in / out;
        int filterLength = 2 * (int) Math.max(Math.ceil(scale), 1);
        double filterFactor = Math.min(1.0 / scale, 1);
        long[] sums = new long[out];
        for (int x = 0; x < out; x++) {
            double interp = scale * (x + 0.5) - 0.5;
            int start = (int) interp - filterLength / 2 + 1;
            interp -= start;
            for (int i = 0; i < filterLength; i++) {
                double t = Math.abs((interp - i) * filterFactor);
                int c = (int) ((t <= 1 ? 1 - t : 0) * (1 << bits));
                int source = Math.min(Math.max(start + i, 0), in - 1);
                sums[x] += (long) c * row[source];
            }
        }
        return sums;
    }
}
