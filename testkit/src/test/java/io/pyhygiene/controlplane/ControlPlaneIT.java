package io.pyhygiene.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.pyhygiene.testkit.RealCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Proves that the e2e control plane is a real Kubernetes: CRD schema and CEL validation,
 * server-side apply field ownership, watches, the controller-manager's Deployment and ReplicaSet
 * controllers, service-account tokens and RBAC, and the audit log.
 */
class ControlPlaneIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();

  private static final String CRD_NAME = "pythonhygienepolicies.pyhygiene.io";
  private static final String POLICY_API_VERSION = "pyhygiene.io/v1alpha1";
  private static final String POLICY_KIND = "PythonHygienePolicy";
  private static final String FIXTURE_CRD =
      "/controlplane/pythonhygienepolicies.pyhygiene.io-fixture.yml";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private static KubernetesClient k8s() {
    return cluster.client();
  }

  @Test
  void crdAcceptsAValidPolicyAndRejectsInvalidOnesBySchemaAndCel() throws IOException {
    String source = applyPolicyCrd();
    var policies = k8s().genericKubernetesResources(POLICY_API_VERSION, POLICY_KIND);
    String suffix = Long.toString(System.nanoTime(), 36);

    // valid: created and read back (the resource is served right after Established; retry 404s)
    GenericKubernetesResource valid = policy("it-valid-" + suffix, Map.of("mode", "Audit"));
    cluster.deleteAfterTest(valid);
    await()
        .atMost(TIMEOUT)
        .ignoreExceptionsMatching(
            e -> e instanceof KubernetesClientException k && k.getCode() == 404)
        .until(
            () -> policies.resource(valid).fieldManager("pyhygiene-it").serverSideApply() != null);
    GenericKubernetesResource stored = policies.withName(valid.getMetadata().getName()).get();
    assertThat((String) stored.get("spec", "mode")).isEqualTo("Audit");

    // invalid by the OpenAPI schema: mode is an enum
    GenericKubernetesResource badMode = policy("it-bad-mode-" + suffix, Map.of("mode", "Block"));
    cluster.deleteAfterTest(badMode);
    assertThatThrownBy(() -> policies.resource(badMode).create())
        .as("CRD %s must reject spec.mode=Block", source)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
              assertThat(e.getMessage())
                  .contains("spec.mode")
                  .contains("Unsupported value: \"Block\"")
                  .contains("\"Audit\"", "\"Warn\"", "\"Deny\"");
            });

    // invalid by a CEL rule (x-kubernetes-validations): memory.min > memory.max
    GenericKubernetesResource badMemory =
        policy(
            "it-bad-memory-" + suffix,
            Map.of("mode", "Audit", "memory", Map.of("min", "2Gi", "max", "1Gi")));
    cluster.deleteAfterTest(badMemory);
    assertThatThrownBy(() -> policies.resource(badMemory).create())
        .as("CRD %s must reject memory.min > memory.max with a CEL rule", source)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              assertThat(e.getMessage()).contains("spec.memory").containsIgnoringCase("memory.min");
            });
    assertThat(policies.withName(badMode.getMetadata().getName()).get()).isNull();
    assertThat(policies.withName(badMemory.getMetadata().getName()).get()).isNull();
  }

  @Test
  void serverSideApplyConflictsBetweenFieldManagers() {
    String ns = cluster.createNamespace();
    Deployment gitops = deployment(ns, "web", "registry.example/web:1.0");
    Deployment applied = k8s().resource(gitops).fieldManager("test-gitops").serverSideApply();
    assertThat(managers(applied)).contains("test-gitops");

    // A second manager changing a field that test-gitops owns, without force: 409 Conflict.
    Deployment other =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("web")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("registry.example/web:2.0")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    assertThatThrownBy(() -> k8s().resource(other).fieldManager("pyhygiene").serverSideApply())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(409);
              assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
              assertThat(e.getMessage())
                  .contains("conflict with \"test-gitops\"")
                  .contains(".spec.template.spec.containers[name=\"app\"].image");
            });
    assertThat(image(k8s().apps().deployments().inNamespace(ns).withName("web").get()))
        .isEqualTo("registry.example/web:1.0");

    // A field nobody else owns is fine: both managers now own parts of the object.
    Deployment annotate =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("web")
            .withNamespace(ns)
            .addToAnnotations("pyhygiene.io/verdict", "fail")
            .endMetadata()
            .build();
    Deployment annotated = k8s().resource(annotate).fieldManager("pyhygiene").serverSideApply();
    assertThat(annotated.getMetadata().getAnnotations())
        .containsEntry("pyhygiene.io/verdict", "fail");
    assertThat(managers(annotated)).contains("test-gitops", "pyhygiene");
    assertThat(image(annotated)).isEqualTo("registry.example/web:1.0");
  }

  @Test
  void controllerManagerCreatesAReplicaSetOwnedByTheDeployment() {
    String ns = cluster.createNamespace();
    List<ReplicaSet> replicaSetEvents = new CopyOnWriteArrayList<>();
    List<Deployment> deploymentEvents = new CopyOnWriteArrayList<>();
    Watch rsWatch = k8s().apps().replicaSets().inNamespace(ns).watch(collect(replicaSetEvents));
    Watch deployWatch =
        k8s().apps().deployments().inNamespace(ns).withName("web").watch(collect(deploymentEvents));
    try {
      Deployment created =
          k8s()
              .resource(deployment(ns, "web", "registry.example/web:1.0"))
              .fieldManager("test-gitops")
              .serverSideApply();
      String uid = created.getMetadata().getUid();

      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(replicaSetEvents)
                      .as("watch events for ReplicaSets in %s", ns)
                      .anySatisfy(
                          rs ->
                              assertThat(rs.getMetadata().getOwnerReferences())
                                  .anySatisfy(ref -> ownedBy(ref, "Deployment", "web", uid))));
      // The deployment controller also wrote the Deployment's status, seen through the watch.
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(deploymentEvents)
                      .anySatisfy(
                          d ->
                              assertThat(d.getStatus())
                                  .isNotNull()
                                  .satisfies(
                                      s -> assertThat(s.getObservedGeneration()).isEqualTo(1L))));
    } finally {
      rsWatch.close();
      deployWatch.close();
    }
    // ... and the ReplicaSet controller created the pod (no kubelet here: it stays Pending).
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(k8s().pods().inNamespace(ns).list().getItems())
                    .singleElement()
                    .satisfies(pod -> assertThat(pod.getStatus().getPhase()).isEqualTo("Pending"))
                    .satisfies(
                        pod ->
                            assertThat(pod.getMetadata().getOwnerReferences())
                                .anySatisfy(
                                    ref -> assertThat(ref.getKind()).isEqualTo("ReplicaSet"))));
  }

  @Test
  void serviceAccountTokenIsForbiddenUntilBoundToAClusterRole() {
    String ns = cluster.createNamespace();
    k8s()
        .serviceAccounts()
        .inNamespace(ns)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("reader").endMetadata().build())
        .create();
    TokenRequest tokenRequest =
        k8s()
            .serviceAccounts()
            .inNamespace(ns)
            .withName("reader")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(600L)
                    .endSpec()
                    .build());
    String token = tokenRequest.getStatus().getToken();
    assertThat(token).isNotBlank();

    try (KubernetesClient asReader = cluster.clientWithToken(token)) {
      assertThatThrownBy(() -> asReader.apps().deployments().inNamespace(ns).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getMessage())
                    .contains("system:serviceaccount:" + ns + ":reader")
                    .contains("cannot list resource \"deployments\"");
              });

      String roleName = "it-deployment-reader-" + ns;
      ClusterRole role =
          cluster.deleteAfterTest(
              new ClusterRoleBuilder()
                  .withNewMetadata()
                  .withName(roleName)
                  .endMetadata()
                  .addNewRule()
                  .withApiGroups("apps")
                  .withResources("deployments")
                  .withVerbs("get", "list")
                  .endRule()
                  .build());
      ClusterRoleBinding binding =
          cluster.deleteAfterTest(
              new ClusterRoleBindingBuilder()
                  .withNewMetadata()
                  .withName(roleName)
                  .endMetadata()
                  .withNewRoleRef()
                  .withApiGroup("rbac.authorization.k8s.io")
                  .withKind("ClusterRole")
                  .withName(roleName)
                  .endRoleRef()
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withName("reader")
                  .withNamespace(ns)
                  .endSubject()
                  .build());
      k8s().resource(role).create();
      k8s().resource(binding).create();

      // RBAC is cached by the API server's informers: allowed within a moment.
      await()
          .atMost(TIMEOUT)
          .ignoreExceptionsMatching(
              e -> e instanceof KubernetesClientException k && k.getCode() == 403)
          .until(() -> asReader.apps().deployments().inNamespace(ns).list() != null);
      k8s()
          .resource(deployment(ns, "web", "registry.example/web:1.0"))
          .fieldManager("test-gitops")
          .serverSideApply();
      assertThat(asReader.apps().deployments().inNamespace(ns).withName("web").get()).isNotNull();
      // ... and still nothing more than that.
      assertThatThrownBy(() -> asReader.secrets().inNamespace(ns).list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
  }

  @Test
  void auditLogRecordsDeploymentWritesAtMetadataLevel() throws IOException {
    String ns = cluster.createNamespace();
    k8s()
        .resource(deployment(ns, "audited", "registry.example/web:1.0"))
        .fieldManager("test-gitops")
        .serverSideApply();
    Path audit = RealCluster.auditLog();
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(auditLinesFor(audit, ns))
                    .anySatisfy(
                        line ->
                            assertThat(line)
                                .contains("\"level\":\"Metadata\"")
                                .contains("\"verb\":\"patch\"")
                                .contains("\"resource\":\"deployments\"")
                                .contains("\"name\":\"audited\"")
                                .contains("\"stage\":\"ResponseComplete\"")
                                .contains("\"annotations\":{")
                                .doesNotContain("\"requestObject\"")));
  }

  // ------------------------------------------------------------------------------- helpers

  /** Applies crds/*.y*ml (the generated CRDs) or, while there is none, the test fixture CRD. */
  private static String applyPolicyCrd() throws IOException {
    Path crds = RealCluster.repoRoot().resolve("crds");
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(crds)) {
      try (Stream<Path> list = Files.list(crds)) {
        files =
            list.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml"))
                .sorted()
                .collect(Collectors.toList());
      }
    }
    String source;
    List<HasMetadata> items = new ArrayList<>();
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        items.addAll(k8s().load(in).items());
      }
    }
    boolean hasPolicyCrd =
        items.stream()
            .anyMatch(
                i ->
                    i instanceof CustomResourceDefinition
                        && CRD_NAME.equals(i.getMetadata().getName()));
    if (hasPolicyCrd) {
      source = files.stream().map(p -> "crds/" + p.getFileName()).collect(Collectors.joining(", "));
    } else {
      try (InputStream in = ControlPlaneIT.class.getResourceAsStream(FIXTURE_CRD)) {
        assertThat(in).as("test resource %s", FIXTURE_CRD).isNotNull();
        items.addAll(k8s().load(in).items());
      }
      source = "fixture " + FIXTURE_CRD;
    }
    System.out.println("[ControlPlaneIT] applying CRDs from " + source);
    for (HasMetadata item : items) {
      // One field manager for every CRD apply: re-applying (fixture -> generated) replaces cleanly.
      k8s().resource(item).fieldManager("pyhygiene-crds").forceConflicts().serverSideApply();
    }
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              CustomResourceDefinition crd =
                  k8s().apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
              return crd != null
                  && crd.getStatus() != null
                  && crd.getStatus().getConditions().stream()
                      .anyMatch(
                          c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
            });
    return source;
  }

  private static GenericKubernetesResource policy(String name, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(POLICY_API_VERSION)
        .withKind(POLICY_KIND)
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  private static Deployment deployment(String ns, String name, String image) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .withReplicas(1)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static String image(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private static List<String> managers(HasMetadata resource) {
    return resource.getMetadata().getManagedFields().stream()
        .map(ManagedFieldsEntry::getManager)
        .collect(Collectors.toList());
  }

  private static void ownedBy(OwnerReference ref, String kind, String name, String uid) {
    assertThat(ref.getKind()).isEqualTo(kind);
    assertThat(ref.getName()).isEqualTo(name);
    assertThat(ref.getUid()).isEqualTo(uid);
    assertThat(ref.getController()).isTrue();
  }

  private static <T> Watcher<T> collect(List<T> sink) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        if (action == Action.ADDED || action == Action.MODIFIED) {
          sink.add(resource);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        // the test fails by timeout if events stop coming
      }
    };
  }

  private static List<String> auditLinesFor(Path audit, String ns) throws IOException {
    if (!Files.exists(audit)) {
      return List.of();
    }
    try (Stream<String> lines = Files.lines(audit, StandardCharsets.UTF_8)) {
      return lines
          .filter(l -> l.contains("\"namespace\":\"" + ns + "\""))
          .collect(Collectors.toList());
    }
  }
}
