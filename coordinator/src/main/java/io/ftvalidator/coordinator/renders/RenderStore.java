package io.ftvalidator.coordinator.renders;

import io.ftvalidator.schemas.ImageRender;
import io.ftvalidator.schemas.Topics;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The images workers rendered ({@link ImageRender}, topic {@code ftval.renders}), queryable by
 * validation id for the web view: a window store keyed by validation id, every image kept under
 * its record time, dropped once older than the retention (whole segments at a time, so nothing
 * grows without bound). Duplicates are kept: a job rendered twice (a redelivery) leaves two
 * copies, and a reader takes the latest. Changelogged in single-object encoding, like the
 * validations store.
 */
public final class RenderStore {

    /** The store's name; its changelog is {@code ftval-coordinator-render-images-changelog}. */
    public static final String NAME = "render-images";

    /**
     * The window each image is filed under. Any positive size works: the store is read by key over
     * all time, never by window.
     */
    private static final Duration WINDOW = Duration.ofMillis(1);

    private RenderStore() {}

    public static StoreBuilder<WindowStore<String, ImageRender>> builder(Duration retention) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(NAME, retention, WINDOW, true), Serdes.String(),
                Topics.RENDERS.valueSerde());
    }
}
