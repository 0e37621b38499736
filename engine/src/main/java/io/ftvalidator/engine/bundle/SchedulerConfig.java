package io.ftvalidator.engine.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.ftvalidator.engine.EngineException;
import io.ftvalidator.engine.EngineException.Kind;
import java.util.Optional;
import java.util.Set;

/** The noise schedule of {@code scheduler/scheduler_config.json}, in diffusers' keys. */
public record SchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        String betaSchedule,
        String predictionType,
        int stepsOffset,
        Optional<String> timestepSpacing,
        boolean setAlphaToOne) {

    private static final Set<String> SCHEDULES = Set.of("scaled_linear", "linear");
    private static final Set<String> PREDICTIONS = Set.of("epsilon", "v_prediction", "sample");
    private static final Set<String> SPACINGS = Set.of("leading", "linspace", "trailing");

    public SchedulerConfig {
        if (numTrainTimesteps < 2) {
            throw new IllegalArgumentException("num_train_timesteps must be at least 2");
        }
    }

    static SchedulerConfig from(JsonNode json, String bundle) {
        String schedule = json.path("beta_schedule").asText("linear");
        String prediction = json.path("prediction_type").asText("epsilon");
        Optional<String> spacing = ModelBundle.text(json, "timestep_spacing");
        require(SCHEDULES.contains(schedule), bundle, "beta_schedule '" + schedule + "' is not one of " + SCHEDULES);
        require(PREDICTIONS.contains(prediction), bundle, "prediction_type '" + prediction + "' is not one of " + PREDICTIONS);
        require(spacing.map(SPACINGS::contains).orElse(true), bundle,
                "timestep_spacing '" + spacing.orElse("") + "' is not one of " + SPACINGS);
        int steps = json.path("num_train_timesteps").asInt(1000);
        require(steps >= 2, bundle, "num_train_timesteps must be at least 2");
        return new SchedulerConfig(
                steps,
                json.path("beta_start").asDouble(0.0001),
                json.path("beta_end").asDouble(0.02),
                schedule,
                prediction,
                json.path("steps_offset").asInt(0),
                spacing,
                json.path("set_alpha_to_one").asBoolean(true));
    }

    private static void require(boolean ok, String bundle, String what) {
        if (!ok) {
            throw new EngineException(Kind.INVALID_BUNDLE, bundle + ": scheduler_config.json: " + what);
        }
    }
}
