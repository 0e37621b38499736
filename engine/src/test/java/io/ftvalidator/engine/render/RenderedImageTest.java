package io.ftvalidator.engine.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RenderedImageTest {

    /** A width x height image whose pixel (x, y) is (x, y, 7). */
    private static RenderedImage ramp(int width, int height) {
        byte[] rgb = new byte[3 * width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = 3 * (y * width + x);
                rgb[i] = (byte) x;
                rgb[i + 1] = (byte) y;
                rgb[i + 2] = 7;
            }
        }
        return new RenderedImage(width, height, rgb);
    }

    @Test
    void shouldKeepAnImageThatAlreadyFits() {
        RenderedImage image = ramp(64, 32);
        assertThat(image.fitWithin(64)).isSameAs(image);
    }

    @Test
    void shouldAverageEachAreaWhenScalingDown() {
        RenderedImage small = ramp(8, 4).fitWithin(4);
        assertThat(small.width()).isEqualTo(4);
        assertThat(small.height()).isEqualTo(2);
        // output pixel (1, 1) covers source x 2..3, y 2..3: mean x 2.5 rounds to 3, mean y 2.5 to 3
        int i = 3 * (1 * 4 + 1);
        assertThat(small.rgb()[i]).isEqualTo((byte) 3);
        assertThat(small.rgb()[i + 1]).isEqualTo((byte) 3);
        assertThat(small.rgb()[i + 2]).isEqualTo((byte) 7);
    }

    @Test
    void shouldKeepTheAspectOfAnOddSizedImage() {
        RenderedImage thumb = ramp(300, 200).fitWithin(128);
        assertThat(thumb.width()).isEqualTo(128);
        assertThat(thumb.height()).isEqualTo(85);
        assertThat(thumb.toPng()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }

    @Test
    void shouldRefuseASideBelowOnePixel() {
        assertThatThrownBy(() -> ramp(4, 4).fitWithin(0)).hasMessage("maxSide must be at least 1, not 0");
    }
}
