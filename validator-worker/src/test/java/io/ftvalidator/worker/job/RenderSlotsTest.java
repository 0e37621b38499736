package io.ftvalidator.worker.job;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RenderSlotsTest {

    @Test
    void shouldRunOneSlotOnACpuAndOnePerSlotSizeOfGpuMemory() {
        assertThat(RenderSlots.defaultSlots(false, 24_000, 12_288)).isEqualTo(1);
        assertThat(RenderSlots.defaultSlots(true, 81_559, 12_288)).isEqualTo(4);   // H100 80 GB: capped
        assertThat(RenderSlots.defaultSlots(true, 24_564, 12_288)).isEqualTo(1);   // 24 GB card
        assertThat(RenderSlots.defaultSlots(true, 49_140, 12_288)).isEqualTo(3);   // 48 GB card
        assertThat(RenderSlots.defaultSlots(true, 8_192, 12_288)).isEqualTo(1);    // small card: still one
    }
}
