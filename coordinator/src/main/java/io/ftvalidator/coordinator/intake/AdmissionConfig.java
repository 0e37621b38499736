package io.ftvalidator.coordinator.intake;

import io.ftvalidator.coordinator.fanout.PromptPool;
import io.ftvalidator.validation.Bases;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * This coordinator's {@link Admission}, read once from configuration: the base allow-list
 * ({@code ftval.bases.<name>.sha256} and {@code .uri}, the same properties the workers read), and
 * {@code ftval.requests.allow-bundles}. A malformed allow-list stops the start with every problem.
 */
@ApplicationScoped
public class AdmissionConfig {

    private static final Logger LOG = Logger.getLogger(AdmissionConfig.class);

    @Inject
    Config config;

    @Inject
    PromptPool pool;

    /** Whether a request may bring whole bundles (TorchScript, tokenizer) instead of LoRA weights on an allowed base. */
    @ConfigProperty(name = "ftval.requests.allow-bundles", defaultValue = "false")
    boolean allowBundles;

    private Admission admission;

    public synchronized Admission get() {
        if (admission == null) {
            Map<String, String> props = new TreeMap<>();
            for (String name : config.getPropertyNames()) {
                if (name.startsWith(Bases.PREFIX)) {
                    config.getOptionalValue(name, String.class).ifPresent(v -> props.put(name, v));
                }
            }
            admission = new Admission(Bases.parse(props), allowBundles, pool.prompts());
        }
        return admission;
    }

    void onStart(@Observes StartupEvent event) {
        Admission a = get();
        LOG.infof("admitting LoRA weights on %d allowed base(s) %s%s", a.bases().all().size(),
                a.bases().all().stream().map(Bases.Base::name).toList(),
                a.allowBundles() ? ", and whole bundles from requests (ftval.requests.allow-bundles=true)" : "");
    }
}
