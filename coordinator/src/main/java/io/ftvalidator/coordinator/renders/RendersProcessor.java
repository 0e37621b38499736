package io.ftvalidator.coordinator.renders;

import io.ftvalidator.schemas.ImageRender;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.jboss.logging.Logger;

/**
 * Files each rendered image under its validation in the {@link RenderStore}. The images are for
 * people to look at: no decision reads them, and a record that names no validation is dropped
 * with a log line rather than dead-lettered (it holds nothing a decision lost).
 */
public final class RendersProcessor implements Processor<String, ImageRender, Void, Void> {

    public static final String NAME = "renders";

    private static final Logger LOG = Logger.getLogger(RendersProcessor.class);

    private WindowStore<String, ImageRender> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(RenderStore.NAME);
    }

    @Override
    public void process(Record<String, ImageRender> record) {
        ImageRender image = record.value();
        if (image == null || image.getValidationId().isEmpty()) {
            LOG.warnf("a rendered image without a validation id (key %s) was dropped", record.key());
            return;
        }
        store.put(image.getValidationId(), image, record.timestamp());
    }
}
