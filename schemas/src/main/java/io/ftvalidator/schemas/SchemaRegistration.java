package io.ftvalidator.schemas;

import io.apicurio.registry.resolver.client.RegistryClientFacade;
import io.apicurio.registry.resolver.client.RegistryClientFacadeFactory;
import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import io.apicurio.registry.rest.client.RegistryClient;
import io.apicurio.registry.rest.client.groups.item.artifacts.item.WithArtifactItemRequestBuilder;
import io.apicurio.registry.rest.client.models.CreateArtifact;
import io.apicurio.registry.rest.client.models.CreateArtifactResponse;
import io.apicurio.registry.rest.client.models.CreateRule;
import io.apicurio.registry.rest.client.models.CreateVersion;
import io.apicurio.registry.rest.client.models.IfArtifactExists;
import io.apicurio.registry.rest.client.models.ProblemDetails;
import io.apicurio.registry.rest.client.models.RuleType;
import io.apicurio.registry.rest.client.models.VersionContent;
import io.apicurio.registry.serde.config.SerdeConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

/**
 * Puts the cluster's contract into a schema registry: each topic's value schema under the subject
 * {@code <topic>-value} (group {@code default}), and on each such artifact the rules the registry
 * then enforces on every new version, whoever writes it:
 *
 * <ul>
 *   <li>{@value #COMPATIBILITY}: a new version must be both backward and forward compatible with
 *       every earlier version. Producers and consumers of these topics are upgraded in any order
 *       (the coordinator writes jobs that workers of the previous release read; other services read
 *       decisions with classes compiled long ago), and topics keep 7 days of records, so a reader
 *       must read what any live writer wrote and what was written before: BACKWARD alone would let
 *       a release remove a field that old readers need, or add an enum symbol they cannot read.
 *   <li>VALIDITY {@code FULL}: the schema must parse and be semantically valid.
 * </ul>
 *
 * An artifact that exists keeps the compatibility rule an operator gave it. Rules are set before a
 * new version is added to an existing artifact, so none slips in unchecked.
 */
public final class SchemaRegistration {

    /** The compatibility rule of every subject of the contract. */
    public static final String COMPATIBILITY = "FULL_TRANSITIVE";

    static final String GROUP = "default";

    /** What the registry holds for one subject after {@link #register}. */
    public record Registered(String subject, long contentId, String version, String compatibility) {}

    private SchemaRegistration() {}

    /**
     * Registers the schema of every topic of {@link Topics#CONTRACT} (see {@link #register}).
     *
     * @param clientConfig a Kafka client's configuration: {@code apicurio.registry.url} and any
     *     other {@code apicurio.registry.*} entry (credentials, TLS)
     */
    public static List<Registered> registerContract(Map<String, ?> clientConfig) {
        List<Registered> out = new ArrayList<>();
        for (Topics.Topic<String, ?> topic : Topics.CONTRACT) {
            RecordSerde<?> serde = (RecordSerde<?>) topic.valueSerde();
            out.add(register(clientConfig, topic.valueSubject(), SpecificData.get().getSchema(serde.type())));
        }
        return out;
    }

    /**
     * Makes sure {@code subject} exists with the rules above and holds {@code schema} as a version
     * (found by content, or added: the registry refuses it if it breaks the rule, and this throws
     * {@link IllegalStateException} with the registry's reason).
     */
    public static Registered register(Map<String, ?> clientConfig, String subject, Schema schema) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putIfAbsent(SchemaResolverConfig.HTTP_ADAPTER, "JDK");
        RegistryClientFacade facade = RegistryClientFacadeFactory.create(new SerdeConfig(config));
        RegistryClient client = (RegistryClient) facade.getClient();
        WithArtifactItemRequestBuilder artifact = client.groups().byGroupId(GROUP).artifacts().byArtifactId(subject);
        try {
            boolean existed = exists(artifact);
            if (existed) {
                ensureRules(artifact);
            }
            CreateArtifactResponse created = client.groups().byGroupId(GROUP).artifacts().post(avroArtifact(subject, schema),
                    request -> request.queryParameters.ifExists = IfArtifactExists.FIND_OR_CREATE_VERSION);
            if (!existed) {
                ensureRules(artifact);
            }
            String compatibility = artifact.rules().byRuleType(RuleType.COMPATIBILITY.getValue()).get().getConfig();
            return new Registered(subject, created.getVersion().getContentId(), created.getVersion().getVersion(), compatibility);
        } catch (RuntimeException e) {
            throw new IllegalStateException("the schema registry did not take the schema of subject " + subject + ": "
                    + Problems.describe(e), e);
        }
    }

    private static boolean exists(WithArtifactItemRequestBuilder artifact) {
        try {
            artifact.get();
            return true;
        } catch (ProblemDetails problem) {
            if (problem.getStatus() != null && problem.getStatus() == 404) {
                return false;
            }
            throw problem;
        }
    }

    private static void ensureRules(WithArtifactItemRequestBuilder artifact) {
        List<RuleType> present = artifact.rules().get();
        if (!present.contains(RuleType.COMPATIBILITY)) {
            artifact.rules().post(rule(RuleType.COMPATIBILITY, COMPATIBILITY));
        }
        if (!present.contains(RuleType.VALIDITY)) {
            artifact.rules().post(rule(RuleType.VALIDITY, "FULL"));
        }
    }

    private static CreateRule rule(RuleType type, String config) {
        CreateRule rule = new CreateRule();
        rule.setRuleType(type);
        rule.setConfig(config);
        return rule;
    }

    private static CreateArtifact avroArtifact(String subject, Schema schema) {
        VersionContent content = new VersionContent();
        content.setContent(schema.toString());
        content.setContentType("application/json");
        CreateVersion version = new CreateVersion();
        version.setContent(content);
        CreateArtifact artifact = new CreateArtifact();
        artifact.setArtifactId(subject);
        artifact.setArtifactType("AVRO");
        artifact.setFirstVersion(version);
        return artifact;
    }
}
