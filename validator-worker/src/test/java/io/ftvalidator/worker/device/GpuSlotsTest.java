package io.ftvalidator.worker.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GpuSlotsTest {

    private static final long MB = 1L << 20;

    @Test
    void shouldFitAsManySlotsAsTheMeasuredRenderLeavesRoomFor() {
        // a 24 GB card, 400 MB taken before the first slot, 6 GB measured per slot: 90% of the card holds 3
        assertThat(GpuSlots.count(24_564 * MB, 400 * MB, 6_144 * MB, 0.9, 8)).isEqualTo(3);
        // the same render on an 80 GB card: 11 would fit, the cap says 8
        assertThat(GpuSlots.count(81_559 * MB, 600 * MB, 6_144 * MB, 0.9, 8)).isEqualTo(8);
        // a small model on the 24 GB card, with a lower cap
        assertThat(GpuSlots.count(24_564 * MB, 400 * MB, 900 * MB, 0.9, 4)).isEqualTo(4);
    }

    @Test
    void shouldCountWhatOtherProcessesUseAgainstTheCard() {
        assertThat(GpuSlots.count(24_564 * MB, 12_000 * MB, 6_144 * MB, 0.9, 8)).isEqualTo(1);
        assertThat(GpuSlots.count(24_564 * MB, 0, 6_144 * MB, 0.9, 8)).isEqualTo(3);
    }

    @Test
    void shouldKeepOneSlotOnACardTooSmallForOne() {
        assertThat(GpuSlots.count(8_192 * MB, 300 * MB, 12_000 * MB, 0.9, 8)).isEqualTo(1);
    }

    @Test
    void shouldRefuseAMeasurementThatMeasuredNothing() {
        assertThatThrownBy(() -> GpuSlots.count(24_564 * MB, 400 * MB, 0, 0.9, 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("per-slot bytes 0");
    }
}
