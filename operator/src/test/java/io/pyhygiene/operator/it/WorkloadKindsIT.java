package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 on the real control plane: every audited kind gets its verdict label, annotations and a
 * PolicyReport result naming its own kind and apiVersion; a Deployment's ReplicaSet and a Job's
 * Pods (both created by the controller-manager) are not reported again. No node: the Job's Pods
 * stay Pending, which is enough for them to exist.
 */
class WorkloadKindsIT extends WithOperator {

  /** bad.yaml's pod template (sh -c gunicorn, :latest, root) with the name's app label. */
  static PodTemplateSpec template(String ns, String name, String restartPolicy) {
    return WorkloadKindsRuntimeIT.template("bad.yaml", ns, name, restartPolicy);
  }

  @Test
  void everyKindIsAuditedOnceUnderItsOwnKind() {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "audit", Map.of());
    KubernetesClient k8s = fx.k8s();
    Map<String, String> app = Map.of("app", "x");
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(Fixtures.deployment("bad.yaml", ns, "web"));
    objects.add(
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName("db")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withServiceName("db")
            .withReplicas(0)
            .withNewSelector()
            .withMatchLabels(Map.of("app", "db"))
            .endSelector()
            .withTemplate(template(ns, "db", null))
            .endSpec()
            .build());
    objects.add(
        new DaemonSetBuilder()
            .withNewMetadata()
            .withName("agent")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .withMatchLabels(Map.of("app", "agent"))
            .endSelector()
            .withTemplate(template(ns, "agent", null))
            .endSpec()
            .build());
    objects.add(
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withName("lonely")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withReplicas(0)
            .withNewSelector()
            .withMatchLabels(Map.of("app", "lonely"))
            .endSelector()
            .withTemplate(template(ns, "lonely", null))
            .endSpec()
            .build());
    objects.add(
        new JobBuilder()
            .withNewMetadata()
            .withName("migrate")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withTemplate(template(ns, "migrate", "Never"))
            .endSpec()
            .build());
    objects.add(
        new CronJobBuilder()
            .withNewMetadata()
            .withName("nightly")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withSchedule("0 3 * * *")
            .withNewJobTemplate()
            .withNewSpec()
            .withTemplate(template(ns, "nightly", "OnFailure"))
            .endSpec()
            .endJobTemplate()
            .endSpec()
            .build());
    PodTemplateSpec bare = template(ns, "solo", "Always");
    objects.add(
        new PodBuilder()
            .withNewMetadata()
            .withName("solo")
            .withNamespace(ns)
            .withLabels(app)
            .endMetadata()
            .withSpec(bare.getSpec())
            .build());
    for (HasMetadata o : objects) {
      k8s.resource(o).fieldManager(Fixtures.GITOPS).serverSideApply();
    }

    // each gets its verdict label and findings, under its own kind
    for (HasMetadata o : objects) {
      HasMetadata audited =
          await()
              .atMost(OperatorHarness.TIMEOUT)
              .until(
                  () -> k8s.resource(o).get(),
                  x ->
                      x != null
                          && x.getMetadata().getLabels() != null
                          && "fail".equals(x.getMetadata().getLabels().get(Fixtures.VERDICT)));
      assertThat(audited.getMetadata().getAnnotations())
          .as(o.getKind())
          .containsKey(Fixtures.FINDINGS)
          .containsEntry(Fixtures.POLICY, ns + "-audit");
    }

    // the controller-manager made the Deployment's ReplicaSet and the Job's Pod: not reported
    Deployment web = fx.get(ns, "web");
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () ->
                !k8s.apps()
                    .replicaSets()
                    .inNamespace(ns)
                    .withLabel("app", "web")
                    .list()
                    .getItems()
                    .isEmpty());
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () ->
                !k8s.pods()
                    .inNamespace(ns)
                    .withLabel("job-name", "migrate")
                    .list()
                    .getItems()
                    .isEmpty());
    Set<String> expected =
        Set.of(
            "Deployment/web",
            "StatefulSet/db",
            "DaemonSet/agent",
            "ReplicaSet/lonely",
            "Job/migrate",
            "CronJob/nightly",
            "Pod/solo");
    JsonNode report =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> {
                  var r = fx.policyReport(ns);
                  return r == null ? null : PolicyReportIT.tree(r);
                },
                r -> r != null && resources(r).equals(expected));
    for (JsonNode r : report.path("results")) {
      JsonNode res = r.path("resources").path(0);
      String apiVersion =
          switch (res.path("kind").asText()) {
            case "Job", "CronJob" -> "batch/v1";
            case "Pod" -> "v1";
            default -> "apps/v1";
          };
      assertThat(res.path("apiVersion").asText()).as(res.toString()).isEqualTo(apiVersion);
    }
    assertThat(web.getMetadata().getLabels()).containsEntry(Fixtures.VERDICT, "fail");
  }

  /** kind/name of every result's resource. */
  static Set<String> resources(JsonNode report) {
    Set<String> out = new HashSet<>();
    for (JsonNode r : report.path("results")) {
      JsonNode res = r.path("resources").path(0);
      out.add(res.path("kind").asText() + "/" + res.path("name").asText());
    }
    return out;
  }
}
