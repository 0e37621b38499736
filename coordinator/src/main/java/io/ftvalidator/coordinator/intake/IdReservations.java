package io.ftvalidator.coordinator.intake;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The validation ids this coordinator has taken over REST and not yet seen in its store: two
 * posts of one id, however close, get one 202 and one 409. Every post of an id is answered by the
 * coordinator that owns the id's partition (others forward it), so this set, kept by the owner,
 * is the whole truth between a 202 and the moment the Kafka intake stores the request; the store
 * answers after that. An entry lasts {@link #HOLD}, far longer than the intake takes.
 */
@ApplicationScoped
public class IdReservations {

    static final Duration HOLD = Duration.ofMinutes(10);
    private static final int SWEEP_ABOVE = 10_000;

    private final ConcurrentHashMap<String, Long> heldUntil = new ConcurrentHashMap<>();

    /** Takes {@code id}; false when it is already taken. */
    public boolean reserve(String id, long nowNanos) {
        if (heldUntil.size() > SWEEP_ABOVE) {
            heldUntil.values().removeIf(until -> until - nowNanos < 0);
        }
        long until = nowNanos + HOLD.toNanos();
        boolean[] taken = {false};
        heldUntil.compute(id, (k, held) -> {
            if (held != null && held - nowNanos > 0) {
                return held;
            }
            taken[0] = true;
            return until;
        });
        return taken[0];
    }

    /** Gives {@code id} back: the request was not taken after all. */
    public void release(String id) {
        heldUntil.remove(id);
    }
}
