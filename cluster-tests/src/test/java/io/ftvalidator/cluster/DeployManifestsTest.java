package io.ftvalidator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every document of every YAML file under deploy/k8s read into the model of its kind, strictly:
 * Kubernetes' own kinds into fabric8's model, Strimzi's into Strimzi's API classes (0.51.0, API
 * kafka.strimzi.io/v1), KEDA's ScaledObject into the fields of its CRD (v1alpha1, below). A field
 * the model does not know fails the test (the models' catch-all for unknown fields is switched off),
 * as does a kind without a model, a wrong type or a value an enum does not have. Then what a
 * deployment relies on: probes and memory limits, GPU requests and tolerations, replicated topics.
 */
class DeployManifestsTest {

    private static final Path K8S = TestCluster.HOME.resolve("deploy/k8s");

    private static final Map<String, Class<?>> MODELS = Map.ofEntries(
            Map.entry("v1/Namespace", Namespace.class),
            Map.entry("v1/ConfigMap", ConfigMap.class),
            Map.entry("v1/Secret", Secret.class),
            Map.entry("v1/Service", Service.class),
            Map.entry("apps/v1/Deployment", Deployment.class),
            Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("kafka.strimzi.io/v1/Kafka", Kafka.class),
            Map.entry("kafka.strimzi.io/v1/KafkaNodePool", KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1/KafkaUser", KafkaUser.class),
            Map.entry("keda.sh/v1alpha1/ScaledObject", ScaledObject.class));

    /** Reads YAML into the models with their catch-all "additional properties" switched off. */
    private static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .registerModule(new SimpleModule().setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean, BeanDeserializerBuilder builder) {
                    builder.setAnySetter(null);
                    builder.setIgnoreUnknownProperties(false);
                    return builder;
                }
            }));

    record Doc(Path file, int index, JsonNode tree, Object model) {
        String where() {
            return TestCluster.HOME.relativize(file) + " document " + index;
        }
    }

    /** Every document of every YAML file under deploy/k8s. */
    private static List<Doc> documents() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(K8S)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        assertThat(files).as("manifests under " + K8S).isNotEmpty();
        List<Doc> docs = new ArrayList<>();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        for (Path file : files) {
            try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
                List<JsonNode> trees = yaml.readValues(parser, JsonNode.class).readAll();
                int index = 0;
                for (JsonNode tree : trees) {
                    index++;
                    if (tree == null || tree.isNull() || tree.isMissingNode()) {
                        continue;
                    }
                    String key = tree.path("apiVersion").asText() + "/" + tree.path("kind").asText();
                    Class<?> model = MODELS.get(key);
                    String where = TestCluster.HOME.relativize(file) + " document " + index;
                    assertThat(model).as(where + ": no schema for " + key + " (add its model to this test)").isNotNull();
                    Object read;
                    try {
                        read = STRICT.treeToValue(tree, model);
                    } catch (IOException e) {
                        throw new AssertionError(where + " (" + key + ") does not match its schema: " + e.getMessage(), e);
                    }
                    docs.add(new Doc(file, index, tree, read));
                }
            }
        }
        return docs;
    }

    @Test
    void shouldReadEveryManifestIntoItsKindsModelWithoutAnUnknownField() throws IOException {
        List<Doc> docs = documents();
        Set<String> kinds = docs.stream().map(d -> d.tree().path("kind").asText()).collect(Collectors.toSet());
        assertThat(kinds).contains("Kafka", "KafkaNodePool", "KafkaTopic", "Deployment", "Service", "ConfigMap", "Secret");
        for (Doc d : docs) {
            ObjectMeta meta = d.model() instanceof HasMetadata h ? h.getMetadata() : ((ScaledObject) d.model()).metadata();
            assertThat(meta.getName()).as(d.where() + " name").isNotBlank();
            if (!(d.model() instanceof Namespace)) {
                assertThat(meta.getNamespace()).as(d.where() + " namespace").isEqualTo("ftval");
            }
        }
    }

    @Test
    void shouldRefuseAFieldTheSchemaDoesNotHave() throws IOException {
        JsonNode deployment = new ObjectMapper(new YAMLFactory()).readTree("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: x
                          image: x
                          resource: {limits: {memory: 1Gi}}
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> STRICT.treeToValue(deployment, Deployment.class))
                .hasMessageContaining("\"resource\"");
        JsonNode topic = new ObjectMapper(new YAMLFactory()).readTree("""
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaTopic
                metadata: {name: t}
                spec: {partitions: 1, replica: 3}
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> STRICT.treeToValue(topic, KafkaTopic.class))
                .hasMessageContaining("\"replica\"");
    }

    @Test
    void shouldGiveEveryContainerProbesAndAMemoryLimitAndEveryGpuWorkerAGpu() throws IOException {
        List<Doc> docs = documents();
        Set<String> configMaps = names(docs, ConfigMap.class);
        Set<String> secrets = names(docs, Secret.class);
        List<Deployment> deployments = docs.stream().filter(d -> d.model() instanceof Deployment).map(d -> (Deployment) d.model()).toList();
        assertThat(deployments).extracting(d -> d.getMetadata().getName()).contains("ftval-coordinator");
        assertThat(deployments.stream().filter(d -> d.getMetadata().getName().startsWith("ftval-worker-"))).hasSizeGreaterThanOrEqualTo(2);
        for (Deployment d : deployments) {
            String name = d.getMetadata().getName();
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as(name + ": the selector selects its pods")
                    .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
            var pod = d.getSpec().getTemplate().getSpec();
            for (Container c : pod.getContainers()) {
                assertThat(c.getReadinessProbe()).as(name + " readiness").isNotNull();
                assertThat(c.getLivenessProbe()).as(name + " liveness").isNotNull();
                assertThat(c.getResources().getLimits()).as(name + " limits").containsKey("memory");
                boolean gpu = c.getResources().getLimits().containsKey("nvidia.com/gpu");
                if (gpu) {
                    assertThat(pod.getTolerations()).as(name + " tolerates the GPU taint")
                            .anyMatch(t -> "nvidia.com/gpu".equals(t.getKey()));
                    assertThat(pod.getNodeSelector()).as(name + " picks its pool").isNotEmpty();
                }
            }
            for (Volume v : pod.getVolumes()) {
                if (v.getConfigMap() != null) {
                    assertThat(configMaps).as(name + " mounts config map " + v.getConfigMap().getName()).contains(v.getConfigMap().getName());
                }
                if (v.getSecret() != null) {
                    assertThat(secrets).as(name + " mounts secret " + v.getSecret().getSecretName()).contains(v.getSecret().getSecretName());
                }
            }
        }
    }

    @Test
    void shouldReplicateEveryTopicWithTwoInSyncReplicas() throws IOException {
        List<KafkaTopic> topics = documents().stream().filter(d -> d.model() instanceof KafkaTopic).map(d -> (KafkaTopic) d.model()).toList();
        // every topic the services use (the contract's and the dead letters) is declared
        List<String> used = new java.util.ArrayList<>(io.ftvalidator.schemas.Topics.CONTRACT.stream().map(t -> t.name()).toList());
        used.add(io.ftvalidator.schemas.Topics.DEAD_LETTERS.name());
        assertThat(topics).extracting(t -> t.getSpec().getTopicName()).containsAll(used);
        for (KafkaTopic t : topics) {
            assertThat(t.getSpec().getReplicas()).as(t.getSpec().getTopicName() + " replicas").isGreaterThanOrEqualTo(3);
            assertThat(t.getSpec().getConfig()).as(t.getSpec().getTopicName() + " min.insync.replicas").containsEntry("min.insync.replicas", 2);
        }
        assertThat(topics.stream().filter(t -> t.getSpec().getTopicName().equals("ftval.render-jobs")).findFirst().orElseThrow()
                .getSpec().getPartitions()).as("render jobs: one partition shared by the share group").isEqualTo(1);
    }

    private static Set<String> names(List<Doc> docs, Class<? extends HasMetadata> kind) {
        return docs.stream().filter(d -> kind.isInstance(d.model())).map(d -> ((HasMetadata) d.model()).getMetadata().getName())
                .collect(Collectors.toSet());
    }

    /** KEDA's ScaledObject (keda.sh/v1alpha1), the fields of its CRD's spec; written here, as KEDA publishes no Java model. */
    @JsonIgnoreProperties(value = {}, ignoreUnknown = false)
    record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
        record Spec(Target scaleTargetRef, Integer pollingInterval, Integer cooldownPeriod, Integer idleReplicaCount,
                Integer minReplicaCount, Integer maxReplicaCount, Map<String, Object> advanced, Fallback fallback,
                List<Trigger> triggers) {
            Spec {
                if (scaleTargetRef == null || triggers == null || triggers.isEmpty()) {
                    throw new IllegalArgumentException("spec.scaleTargetRef and spec.triggers are required");
                }
            }
        }

        record Target(String name, String apiVersion, String kind, String envSourceContainerName) {
            Target {
                if (name == null) {
                    throw new IllegalArgumentException("scaleTargetRef.name is required");
                }
            }
        }

        record Fallback(int failureThreshold, int replicas) {}

        record Trigger(String type, String name, Map<String, String> metadata, String metricType, AuthRef authenticationRef,
                Boolean useCachedMetrics) {
            Trigger {
                if (type == null || metadata == null) {
                    throw new IllegalArgumentException("a trigger's type and metadata are required");
                }
            }
        }

        record AuthRef(String name, String kind) {}
    }
}
