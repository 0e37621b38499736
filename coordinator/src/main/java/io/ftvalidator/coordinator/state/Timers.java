package io.ftvalidator.coordinator.state;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Due times of validations, in a store ordered by time ({@code <20-digit millis>/<validationId>}),
 * so that the sweep reads only what is due instead of every validation.
 */
public final class Timers {

    /** What is due. */
    public enum Kind {
        /** The validation's deadline: decide it INCONCLUSIVE if it is still pending. */
        DEADLINE,
        /** The retention of a decided validation is over: forget it. */
        FORGET,
        /** Publish the jobs of the images still without a score once more (jobs a share group lost). */
        RESEND
    }

    public record Due(String key, String validationId, Kind kind) {}

    private final KeyValueStore<String, String> store;

    public Timers(KeyValueStore<String, String> store) {
        this.store = store;
    }

    public void schedule(long dueMillis, String validationId, Kind kind) {
        store.put(key(dueMillis, validationId), kind.name());
    }

    public void cancel(long dueMillis, String validationId) {
        store.delete(key(dueMillis, validationId));
    }

    /** Everything due at or before {@code now}, oldest first. */
    public List<Due> due(long now) {
        List<Due> out = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.range(key(0, ""), String.format("%020d", now + 1))) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                out.add(new Due(kv.key, kv.key.substring(21), Kind.valueOf(kv.value)));
            }
        }
        return out;
    }

    public void done(Due due) {
        store.delete(due.key());
    }

    private static String key(long millis, String validationId) {
        return String.format("%020d/%s", millis, validationId);
    }
}
