package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.json.Json;
import io.pyhygiene.testkit.RealCluster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Deployments, policies and reads shared by the operator integration tests. */
final class Fixtures {

  static final String VERDICT = "pyhygiene.io/verdict";
  static final String FINDINGS = "pyhygiene.io/findings";
  static final String POLICY = "pyhygiene.io/policy";
  static final String AUDITED_GENERATION = "pyhygiene.io/audited-generation";
  static final String PREVIEW = "pyhygiene.io/remediation-preview";
  static final Set<String> PYHYGIENE_LABELS = Set.of(VERDICT);
  static final Set<String> PYHYGIENE_ANNOTATIONS =
      Set.of(FINDINGS, POLICY, AUDITED_GENERATION, PREVIEW);

  /** The field manager the tests use for "the user's" Deployment manifests. */
  static final String GITOPS = "it-gitops";

  static final String POLICY_API_VERSION = "pyhygiene.io/v1alpha1";
  static final ResourceDefinitionContext POLICY_REPORTS =
      new ResourceDefinitionContext.Builder()
          .withGroup("wgpolicyk8s.io")
          .withVersion("v1alpha2")
          .withKind("PolicyReport")
          .withPlural("policyreports")
          .withNamespaced(true)
          .build();
  static final ResourceDefinitionContext POLICIES =
      new ResourceDefinitionContext.Builder()
          .withGroup("pyhygiene.io")
          .withVersion("v1alpha1")
          .withKind("PythonHygienePolicy")
          .withPlural("pythonhygienepolicies")
          .withNamespaced(false)
          .build();
  static final ObjectMapper JSON = Json.MAPPER;

  private final KubernetesClient k8s;
  private final RealCluster cluster;

  Fixtures(RealCluster cluster) {
    this.cluster = cluster;
    this.k8s = cluster.client();
  }

  KubernetesClient k8s() {
    return k8s;
  }

  // ------------------------------------------------------------------ Deployments

  /** A Deployment from {@code src/test/resources/it/<file>} with {@code {{name}}} filled in. */
  static Deployment deployment(String file, String namespace, String name) {
    String path = "/it/" + file;
    try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
      assertThat(in).as("test resource %s", path).isNotNull();
      String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("{{name}}", name);
      Deployment d =
          io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
              new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), Deployment.class);
      d.getMetadata().setNamespace(namespace);
      return d;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Server-side applies a Deployment manifest as the user's GitOps tool would. */
  Deployment apply(Deployment d) {
    return k8s.resource(d).fieldManager(GITOPS).serverSideApply();
  }

  Deployment get(String ns, String name) {
    return k8s.apps().deployments().inNamespace(ns).withName(name).get();
  }

  /** A JSON merge patch of the Deployment's metadata labels, as someone's kubectl label. */
  void label(String ns, String name, String key, String value) {
    Map<String, Object> labels = new LinkedHashMap<>();
    labels.put(key, value);
    mergePatch(ns, name, Map.of("metadata", Map.of("labels", labels)));
  }

  void annotate(String ns, String name, Map<String, String> annotations) {
    mergePatch(ns, name, Map.of("metadata", Map.of("annotations", annotations)));
  }

  void mergePatch(String ns, String name, Map<String, ?> patch) {
    try {
      k8s.apps()
          .deployments()
          .inNamespace(ns)
          .withName(name)
          .patch(
              io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                  io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
              JSON.writeValueAsString(patch));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, String> labels(HasMetadata d) {
    return d.getMetadata().getLabels() == null ? Map.of() : d.getMetadata().getLabels();
  }

  static Map<String, String> annotations(HasMetadata d) {
    return d.getMetadata().getAnnotations() == null ? Map.of() : d.getMetadata().getAnnotations();
  }

  static String verdict(HasMetadata d) {
    return d == null ? null : labels(d).get(VERDICT);
  }

  /** One entry of the {@code pyhygiene.io/findings} annotation. */
  record Finding(String rule, String severity, String container, String policy) {}

  static List<Finding> findings(HasMetadata d) {
    String raw = annotations(d).get(FINDINGS);
    if (raw == null) {
      return List.of();
    }
    try {
      List<Finding> out = new ArrayList<>();
      for (JsonNode n : JSON.readTree(raw)) {
        out.add(
            new Finding(
                n.path("rule").asText(),
                n.path("severity").asText(),
                n.hasNonNull("container") ? n.get("container").asText() : null,
                n.path("policy").asText()));
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("pyhygiene.io/findings is not JSON: " + raw, e);
    }
  }

  static Set<String> rules(HasMetadata d) {
    return findings(d).stream().map(Finding::rule).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Whether pyhygiene has audited this state of the Deployment: its write states the generation.
   */
  static boolean auditedCurrentGeneration(HasMetadata d) {
    return d != null
        && d.getMetadata().getGeneration() != null
        && String.valueOf(d.getMetadata().getGeneration())
            .equals(annotations(d).get(AUDITED_GENERATION))
        && labels(d).containsKey(VERDICT);
  }

  /** Whether none of pyhygiene's keys are on the Deployment. */
  static boolean hasNoPyhygieneMetadata(HasMetadata d) {
    return PYHYGIENE_LABELS.stream().noneMatch(labels(d)::containsKey)
        && PYHYGIENE_ANNOTATIONS.stream().noneMatch(annotations(d)::containsKey);
  }

  /** The ReplicaSets the Deployment owns. */
  List<ReplicaSet> replicaSets(String ns, String deploymentUid) {
    return k8s.apps().replicaSets().inNamespace(ns).list().getItems().stream()
        .filter(
            rs ->
                rs.getMetadata().getOwnerReferences() != null
                    && rs.getMetadata().getOwnerReferences().stream()
                        .anyMatch(o -> deploymentUid.equals(o.getUid())))
        .toList();
  }

  /** Whether the deployment controller has caught up with the Deployment's latest generation. */
  static boolean controllerCaughtUp(Deployment d) {
    return d != null
        && d.getStatus() != null
        && d.getStatus().getObservedGeneration() != null
        && d.getStatus().getObservedGeneration().equals(d.getMetadata().getGeneration());
  }

  /** managedFields entry of a manager ({@code operation} Apply or Update), as a JSON tree. */
  static Optional<JsonNode> managedFields(HasMetadata d, String manager) {
    if (d.getMetadata().getManagedFields() == null) {
      return Optional.empty();
    }
    return d.getMetadata().getManagedFields().stream()
        .filter(e -> manager.equals(e.getManager()) && e.getSubresource() == null)
        .findFirst()
        .map(e -> JSON.valueToTree(e.getFieldsV1().getAdditionalProperties()));
  }

  static List<String> managers(HasMetadata d) {
    return d.getMetadata().getManagedFields() == null
        ? List.of()
        : d.getMetadata().getManagedFields().stream().map(ManagedFieldsEntry::getManager).toList();
  }

  // ------------------------------------------------------------------ Events

  List<Event> events(String ns, String involvedName, String reason) {
    return k8s.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                e.getInvolvedObject() != null
                    && Objects.equals(involvedName, e.getInvolvedObject().getName()))
        .filter(e -> reason == null || reason.equals(e.getReason()))
        .toList();
  }

  // ------------------------------------------------------------------ policies

  /**
   * A policy named {@code <ns>-<suffix>} that selects only Deployments in {@code ns} (plus whatever
   * {@code spec} says), server-side applied by the test's admin, deleted after the test.
   */
  GenericKubernetesResource applyPolicy(String ns, String suffix, Map<String, Object> spec) {
    Map<String, Object> s = new LinkedHashMap<>(spec);
    s.putIfAbsent(
        "namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", ns)));
    return applyPolicyRaw(ns + "-" + suffix, s);
  }

  /** A policy with exactly this spec (the caller makes sure it selects only its namespaces). */
  GenericKubernetesResource applyPolicyRaw(String name, Map<String, Object> spec) {
    GenericKubernetesResource p = policyObject(name, spec);
    cluster.deleteAfterTest(p);
    return k8s.genericKubernetesResources(POLICIES)
        .resource(p)
        .fieldManager("it-admin")
        .forceConflicts()
        .serverSideApply();
  }

  static GenericKubernetesResource policyObject(String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(POLICY_API_VERSION)
        .withKind("PythonHygienePolicy")
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  PythonHygienePolicy policy(String name) {
    return k8s.resources(PythonHygienePolicy.class).withName(name).get();
  }

  static Optional<io.fabric8.kubernetes.api.model.Condition> condition(
      PythonHygienePolicy p, String type) {
    if (p == null || p.getStatus() == null || p.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return p.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  // ------------------------------------------------------------------ PolicyReports

  GenericKubernetesResource policyReport(String ns) {
    return k8s.genericKubernetesResources(POLICY_REPORTS)
        .inNamespace(ns)
        .withName("pyhygiene")
        .get();
  }
}
