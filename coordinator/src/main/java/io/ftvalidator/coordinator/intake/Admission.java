package io.ftvalidator.coordinator.intake;

import io.ftvalidator.validation.Bases;
import java.util.List;

/**
 * What this coordinator admits beyond core's limits, from its configuration: the base models on
 * the operator's allow-list ({@code ftval.bases.*}), whether a request may bring whole bundles
 * ({@code ftval.requests.allow-bundles}, off by default: docs/security.md), and its own prompt pool.
 */
public record Admission(Bases bases, boolean allowBundles, List<String> defaultPool) {

    public Admission {
        defaultPool = List.copyOf(defaultPool);
    }

    /** Anything core's limits allow, whole bundles included: for tests of other rules and local use. */
    public static Admission open(List<String> defaultPool) {
        return new Admission(Bases.none(), true, defaultPool);
    }

    public boolean hasDefaultPool() {
        return !defaultPool.isEmpty();
    }
}
