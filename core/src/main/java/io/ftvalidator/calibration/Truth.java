package io.ftvalidator.calibration;

import java.util.Optional;
import java.util.regex.Pattern;

/** What a calibration submission is known to be. */
public enum Truth {
    /** A replica of the fine-tuning job as the task defines it, made on some card type. */
    HONEST,
    /** A replica made in a way the task does not allow (bfloat16 autocast): reported, never used to choose a threshold. */
    STRESS,
    /** Anything a node may not hand in: fewer steps, other data, another seed, a scaled LoRA... */
    DISHONEST;

    /** How submission names tell their truth: the first pattern found in the name, in the order honest, stress, dishonest. */
    public record Naming(Pattern honest, Pattern stress, Pattern dishonest) {

        /** honest-* (and merged-*: an honest LoRA merged into a whole bundle), stress-*, dishonest-*. */
        public static final Naming DEFAULT = of("^honest|^merged", "^stress", "^dishonest");

        public static Naming of(String honest, String stress, String dishonest) {
            return new Naming(Pattern.compile(honest), Pattern.compile(stress), Pattern.compile(dishonest));
        }

        /** The name's truth; empty for a name no pattern finds (such a submission is left out). */
        public Optional<Truth> of(String name) {
            if (honest.matcher(name).find()) {
                return Optional.of(HONEST);
            }
            if (stress.matcher(name).find()) {
                return Optional.of(STRESS);
            }
            return dishonest.matcher(name).find() ? Optional.of(DISHONEST) : Optional.empty();
        }
    }

    /** The text used in manifests and reports: honest, stress, dishonest. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Truth parse(String text) {
        for (Truth t : values()) {
            if (t.id().equals(text)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown truth '" + text + "': use honest, stress or dishonest");
    }
}
