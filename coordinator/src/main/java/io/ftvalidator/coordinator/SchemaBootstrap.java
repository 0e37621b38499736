package io.ftvalidator.coordinator;

import io.ftvalidator.schemas.RecordSerde;
import io.ftvalidator.schemas.SchemaRegistration;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * In registry mode, registers the schema of every topic of the contract at start, with the
 * compatibility rule the registry then enforces on every writer ({@link SchemaRegistration}). Where
 * operators register schemas themselves, this is switched off ({@code ftval.registry.register=false}).
 */
@ApplicationScoped
public class SchemaBootstrap {

    private static final Logger LOG = Logger.getLogger(SchemaBootstrap.class);

    @ConfigProperty(name = "ftval.registry.register", defaultValue = "true")
    boolean register;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    void onStart(@Observes StartupEvent event) {
        if (!register || RecordSerde.Encoding.of(kafkaConfig.get(RecordSerde.ENCODING)) != RecordSerde.Encoding.REGISTRY) {
            return;
        }
        for (SchemaRegistration.Registered r : SchemaRegistration.registerContract(kafkaConfig)) {
            LOG.infof("schema registry: subject %s at version %s (content id %d), compatibility %s", r.subject(), r.version(),
                    r.contentId(), r.compatibility());
        }
    }
}
