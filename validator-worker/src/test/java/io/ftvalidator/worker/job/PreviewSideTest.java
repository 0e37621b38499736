package io.ftvalidator.worker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ftvalidator.worker.WorkerConfig;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class PreviewSideTest {

    private static WorkerConfig.Renders renders(boolean publish, int maxSide) {
        return new WorkerConfig.Renders() {
            @Override
            public boolean publish() {
                return publish;
            }

            @Override
            public int maxSide() {
                return maxSide;
            }
        };
    }

    @Test
    void shouldKeepNoImageWhenPublishingIsOff() {
        assertThat(JobConsumers.previewSide(renders(false, 10_000))).isEqualTo(OptionalInt.empty());
    }

    @Test
    void shouldKeepImagesNoLongerThanTheMaxSide() {
        assertThat(JobConsumers.previewSide(renders(true, 256))).isEqualTo(OptionalInt.of(256));
    }

    @Test
    void shouldRefuseASideThatCouldPassAvrosBoundOnBytes() {
        assertThatThrownBy(() -> JobConsumers.previewSide(renders(true, 1024)))
                .hasMessage("ftval.worker.renders.max-side must be 16 to 512 pixels, not 1024 (a larger PNG may exceed Avro's 1 MiB bound on a byte field)");
    }
}
