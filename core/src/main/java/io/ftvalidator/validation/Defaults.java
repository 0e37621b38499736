package io.ftvalidator.validation;

import io.ftvalidator.decision.Rule;
import io.ftvalidator.hash.HashAlgorithm;
import io.ftvalidator.render.RenderSettings;
import java.time.Duration;

/**
 * What a validation request gets for what it does not say, in one place: the REST intake and the
 * command line read these (the Avro contract's own field defaults agree with them).
 */
public final class Defaults {

    /** Images rendered per submission. */
    public static final int IMAGES = 8;
    /** Time until an unfinished validation is decided INCONCLUSIVE. */
    public static final Duration DEADLINE = Duration.ofMinutes(10);
    /** The decision rule; its threshold is the rule's calibrated default. */
    public static final Rule RULE = Rule.MEAN;
    /** The perceptual hash, the reference network's. */
    public static final HashAlgorithm HASH = HashAlgorithm.GOIMAGEHASH;
    /** The render settings: {@link RenderSettings#DEFAULTS}. */
    public static final RenderSettings RENDER = RenderSettings.DEFAULTS;

    private Defaults() {}
}
