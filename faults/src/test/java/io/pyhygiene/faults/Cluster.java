package io.pyhygiene.faults;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.pyhygiene.testkit.RealCluster;
import io.pyhygiene.testkit.Repository;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** What the cluster cases share: the CRDs, a policy for a namespace, Python Deployments. */
final class Cluster {

  static final ResourceDefinitionContext POLICIES =
      new ResourceDefinitionContext.Builder()
          .withGroup("pyhygiene.io")
          .withVersion("v1alpha1")
          .withPlural("pythonhygienepolicies")
          .withKind("PythonHygienePolicy")
          .withNamespaced(false)
          .build();
  static final String VERDICT = "pyhygiene.io/verdict";

  private Cluster() {}

  /** Server-side applies the generated CRDs and waits until they are Established. */
  static void applyCrds(KubernetesClient client) throws IOException {
    for (String file :
        List.of(
            "crds/pythonhygienepolicies.pyhygiene.io-v1.yml",
            "crds/optional/wgpolicyk8s.io_policyreports.yaml")) {
      try (InputStream in = Files.newInputStream(Repository.root().resolve(file))) {
        for (HasMetadata crd : client.load(in).items()) {
          client.resource(crd).fieldManager("pyhygiene-faults").forceConflicts().serverSideApply();
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      client
                          .apiextensions()
                          .v1()
                          .customResourceDefinitions()
                          .withName(crd.getMetadata().getName())
                          .get()
                          .getStatus()
                          .getConditions()
                          .stream()
                          .anyMatch(
                              c ->
                                  "Established".equals(c.getType())
                                      && "True".equals(c.getStatus())));
        }
      }
    }
  }

  /**
   * The CRDs applied, a throwaway namespace and an Audit policy selecting it (both deleted after
   * the test); returns the namespace.
   */
  static String auditedNamespace(RealCluster cluster) throws IOException {
    KubernetesClient client = cluster.client();
    applyCrds(client);
    String ns = cluster.createNamespace();
    cluster.deleteAfterTest(
        client.genericKubernetesResources(POLICIES).resource(policyFor(ns)).create());
    return ns;
  }

  /** A PythonHygienePolicy object (not created) with this spec. */
  static GenericKubernetesResource policy(String name, Map<String, Object> spec) {
    GenericKubernetesResource policy = new GenericKubernetesResource();
    policy.setApiVersion("pyhygiene.io/v1alpha1");
    policy.setKind("PythonHygienePolicy");
    policy.setMetadata(new ObjectMetaBuilder().withName(name).build());
    policy.setAdditionalProperty("spec", spec);
    return policy;
  }

  /** An Audit policy selecting exactly one namespace. */
  static GenericKubernetesResource policyFor(String ns) {
    return policy(
        "faults-" + ns,
        Map.of(
            "mode",
            "Audit",
            "namespaceSelector",
            Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", ns))));
  }

  /** A gunicorn Deployment behind sh -c (fails shell-wrapper, run-as-root, ...). */
  static Deployment pythonDeployment(String ns, String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withReplicas(0)
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
        .withImage("python:3.12-slim")
        .withCommand("sh", "-c", "gunicorn app:app --workers 2")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /**
   * Creates {@code count} {@link #pythonDeployment}s named {@code prefix-0}, {@code prefix-1}, ...
   */
  static void createDeployments(KubernetesClient client, String ns, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      client
          .apps()
          .deployments()
          .inNamespace(ns)
          .resource(pythonDeployment(ns, prefix + "-" + i))
          .create();
    }
  }

  /** Deployments of the namespace that carry a verdict label. */
  static long audited(KubernetesClient client, String ns) {
    return client.apps().deployments().inNamespace(ns).list().getItems().stream()
        .filter(
            d ->
                d.getMetadata().getLabels() != null
                    && d.getMetadata().getLabels().containsKey(VERDICT))
        .count();
  }

  /** The suite cluster's admin kubeconfig with its server URL pointed at another local port. */
  static Path kubeconfigVia(int port, String name) throws IOException {
    String yaml = Files.readString(RealCluster.kubeconfig(), StandardCharsets.UTF_8);
    String rewritten =
        yaml.replaceAll("(server: https://(127\\.0\\.0\\.1|localhost)):\\d+", "$1:" + port);
    if (rewritten.equals(yaml)) {
      throw new AssertionError("no https://127.0.0.1:<port> server in " + RealCluster.kubeconfig());
    }
    Path dir = Repository.root().resolve("faults/target/operators");
    Files.createDirectories(dir);
    Path out = dir.resolve(name + ".kubeconfig");
    Files.writeString(out, rewritten, StandardCharsets.UTF_8);
    return out;
  }
}
