package io.ftvalidator.worker.job;

import io.ftvalidator.validation.Bases;
import io.ftvalidator.validation.Limits;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * What this worker takes from a request (docs/security.md): bases only from the operator's
 * allow-list ({@code ftval.bases.*}, the properties the coordinator reads), and whole bundles only
 * where {@code ftval.requests.allow-bundles} says so (local clusters, demos). A malformed list
 * stops the start with every problem.
 */
@ApplicationScoped
public class Trust {

    private static final Logger LOG = Logger.getLogger(Trust.class);

    private final Bases bases;
    private final boolean allowBundles;

    Trust(Config config, @ConfigProperty(name = "ftval.requests.allow-bundles", defaultValue = "false") boolean allowBundles) {
        Map<String, String> props = new TreeMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(Bases.PREFIX)) {
                config.getOptionalValue(name, String.class).ifPresent(v -> props.put(name, v));
            }
        }
        this.bases = Bases.parse(props);
        this.allowBundles = allowBundles;
    }

    Bases bases() {
        return bases;
    }

    boolean allowBundles() {
        return allowBundles;
    }

    void onStart(@Observes StartupEvent event) {
        LOG.infof("bases from the allow-list only: %s%s", bases.all().stream().map(Bases.Base::name).toList(),
                allowBundles ? "; whole bundles from requests too (ftval.requests.allow-bundles=true)" : "");
    }

    /** A name cut to what a score may carry ({@link Limits#MAX_SCORE_TEXT} bytes of UTF-8). */
    static String truncate(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= Limits.MAX_SCORE_TEXT) {
            return text;
        }
        String cut = new String(bytes, 0, Limits.MAX_SCORE_TEXT, StandardCharsets.UTF_8);
        while (cut.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_SCORE_TEXT) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut;
    }
}
