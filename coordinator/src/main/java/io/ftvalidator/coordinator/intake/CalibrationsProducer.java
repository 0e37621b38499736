package io.ftvalidator.coordinator.intake;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/** The coordinator's {@code ftval.calibration.*} configuration, read once; a bad entry stops the start with its name. */
@ApplicationScoped
public class CalibrationsProducer {

    private static final Logger LOG = Logger.getLogger(CalibrationsProducer.class);

    @Produces
    @Singleton
    Calibrations calibrations() {
        Config config = ConfigProvider.getConfig();
        Map<String, String> properties = new HashMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith("ftval.calibration.")) {
                config.getOptionalValue(name, String.class).ifPresent(v -> properties.put(name, v));
            }
        }
        Calibrations calibrations = Calibrations.of(properties);
        if (calibrations.size() > 0) {
            LOG.infof("per-base thresholds for %d base model(s)", calibrations.size());
        }
        return calibrations;
    }
}
