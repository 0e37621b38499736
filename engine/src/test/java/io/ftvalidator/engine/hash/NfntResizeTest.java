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
}
