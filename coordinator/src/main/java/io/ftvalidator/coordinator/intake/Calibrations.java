package io.ftvalidator.coordinator.intake;

import io.ftvalidator.calibration.Recommendation;
import io.ftvalidator.decision.Rule;
import io.ftvalidator.schemas.AvroMapping;
import io.ftvalidator.schemas.SubmissionSpec;
import io.ftvalidator.schemas.ValidationRequest;
import io.ftvalidator.validation.Limits;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-base-model thresholds, as {@code ./ftval calibrate} prints them (docs/thresholds.md):
 *
 * <pre>
 * ftval.calibration.NAME.base-sha256=HEX   the base bundle the study rendered on
 * ftval.calibration.NAME.rule=mean         the rule the threshold is for
 * ftval.calibration.NAME.threshold=16      T
 * ftval.calibration.NAME.images=16         K, the images a request on this base gets when it names none
 * </pre>
 *
 * A request whose submissions all name one calibrated base, with the calibrated rule and no
 * threshold of its own, is judged with the calibrated threshold; a REST request on that base that
 * names no rule or image count gets the calibrated ones. A request that names its own values
 * keeps them.
 */
public final class Calibrations {

    /** One base's calibrated rule, threshold and image count. */
    public record Calibration(String name, String baseSha256, Rule rule, double threshold, int images) {}

    private static final String PREFIX = Recommendation.PROPERTY_PREFIX;
    private static final String KEYS = "(" + String.join("|", Recommendation.PROPERTY_KEYS) + ")";
    private static final Pattern KEY = Pattern.compile(Pattern.quote(PREFIX) + "(" + Recommendation.NAME + ")\\." + KEYS);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Map<String, Calibration> byBase;

    private Calibrations(Map<String, Calibration> byBase) {
        this.byBase = Map.copyOf(byBase);
    }

    /** No calibration: every request keeps the rules' defaults. */
    public static Calibrations none() {
        return new Calibrations(Map.of());
    }

    /**
     * Reads every {@code ftval.calibration.*} property; a calibration missing a key, with a value
     * out of range, or naming a base another one names, is an error that names the property.
     */
    public static Calibrations of(Map<String, String> properties) {
        Map<String, Map<String, String>> byName = new TreeMap<>();
        for (Map.Entry<String, String> e : properties.entrySet()) {
            if (!e.getKey().startsWith(PREFIX)) {
                continue;
            }
            Matcher m = KEY.matcher(e.getKey());
            if (!m.matches()) {
                throw new IllegalArgumentException(e.getKey() + ": expected " + PREFIX + "NAME." + KEYS);
            }
            byName.computeIfAbsent(m.group(1), n -> new HashMap<>()).put(m.group(2), e.getValue().strip());
        }
        Map<String, Calibration> byBase = new HashMap<>();
        for (Map.Entry<String, Map<String, String>> e : byName.entrySet()) {
            Calibration c = parse(e.getKey(), e.getValue());
            Calibration clash = byBase.put(c.baseSha256(), c);
            if (clash != null) {
                throw new IllegalArgumentException(PREFIX + c.name() + ".base-sha256: the base of " + PREFIX + clash.name() + " too");
            }
        }
        return new Calibrations(byBase);
    }

    private static Calibration parse(String name, Map<String, String> values) {
        String p = PREFIX + name + ".";
        for (String key : Recommendation.PROPERTY_KEYS) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException(p + key + " is missing (./ftval calibrate prints all four)");
            }
        }
        String base = values.get("base-sha256").toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(base).matches()) {
            throw new IllegalArgumentException(p + "base-sha256 must be 64 hex digits, got '" + values.get("base-sha256") + "'");
        }
        Rule rule;
        try {
            rule = Rule.parse(values.get("rule"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + "rule: " + e.getMessage());
        }
        double threshold = number(p + "threshold", values.get("threshold"));
        if (!(threshold > 0 && threshold <= Limits.MAX_THRESHOLD)) {
            throw new IllegalArgumentException(p + "threshold must be in (0, " + (int) Limits.MAX_THRESHOLD + "], got " + values.get("threshold"));
        }
        int images;
        try {
            images = Integer.parseInt(values.get("images"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(p + "images must be a whole number, got '" + values.get("images") + "'");
        }
        if (images < 1 || images > Limits.MAX_IMAGES) {
            throw new IllegalArgumentException(p + "images must be in 1.." + Limits.MAX_IMAGES + ", got " + images);
        }
        return new Calibration(name, base, rule, threshold, images);
    }

    private static double number(String key, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + text + "'");
        }
    }

    /** The calibration of the one base every submission names, if there is one. */
    public Optional<Calibration> forBases(List<String> baseSha256s) {
        TreeSet<String> bases = new TreeSet<>();
        for (String b : baseSha256s) {
            bases.add(b == null ? "" : b.toLowerCase(Locale.ROOT));
        }
        return bases.size() == 1 ? Optional.ofNullable(byBase.get(bases.first())) : Optional.empty();
    }

    /** The calibration a request falls under: its submissions' one base. */
    public Optional<Calibration> forRequest(ValidationRequest request) {
        return forBases(request.getSubmissions().stream().map(SubmissionSpec::getBaseSha256).toList());
    }

    /** The request with the calibrated threshold when it gives none and uses the calibrated rule; else itself. */
    public ValidationRequest apply(ValidationRequest request) {
        if (request.getThreshold() != null || request.getSubmissions() == null || request.getRule() == null) {
            return request;
        }
        return forRequest(request)
                .filter(c -> c.rule() == AvroMapping.toCore(request.getRule()))
                .map(c -> ValidationRequest.newBuilder(request).setThreshold(c.threshold()).build())
                .orElse(request);
    }

    /** How many bases are calibrated. */
    public int size() {
        return byBase.size();
    }
}
