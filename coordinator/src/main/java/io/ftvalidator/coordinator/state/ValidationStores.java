package io.ftvalidator.coordinator.state;

import io.ftvalidator.schemas.Serdes.ValidationStateSerde;
import io.ftvalidator.schemas.ValidationState;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The coordinator's state, shared by every stage of the topology: each validation's
 * {@link ValidationState} (request, prompts, scores, decision) by validation id, and the due times
 * of deadlines and retentions ({@link Timers}). Both are changelogged, so a restarted coordinator
 * carries on where it stopped.
 */
public final class ValidationStores {

    /** Validation id to {@link ValidationState}; queried by the REST API ({@code query/}). */
    public static final String VALIDATIONS = "validations";
    /** {@code <20-digit millis>/<validationId>} to what is due then ({@link Timers.Kind}). */
    public static final String TIMERS = "validation-timers";

    private ValidationStores() {}

    public static StoreBuilder<KeyValueStore<String, ValidationState>> validations() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(VALIDATIONS), Serdes.String(), new ValidationStateSerde());
    }

    public static StoreBuilder<KeyValueStore<String, String>> timers() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TIMERS), Serdes.String(), Serdes.String());
    }
}
