package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.testkit.PromText;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 4, operations: /metrics, /healthz and /readyz of the running operator. */
class MetricsIT extends WithOperator {

  @Test
  void scrapeHasTheDesignSeriesWithBoundedLabels() throws Exception {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "audit", Map.of());
    // replicas 1: the ReplicaSet creates a (Pending) Pod whose name must not become a label.
    Deployment bad = Fixtures.deployment("bad.yaml", ns, "billing-web");
    bad.getSpec().setReplicas(1);
    fx.apply(bad);
    fx.apply(Fixtures.deployment("good.yaml", ns, "orders-api"));
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () ->
                Fixtures.auditedCurrentGeneration(fx.get(ns, "billing-web"))
                    && Fixtures.auditedCurrentGeneration(fx.get(ns, "orders-api")));

    String[] text = new String[1];
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .untilAsserted(
            () -> {
              text[0] = op.scrape();
              assertThat(
                      PromText.value(
                          text[0],
                          "pyhygiene_workloads",
                          Map.of("namespace", ns, "verdict", "fail")))
                  .isEqualTo(1.0);
              assertThat(
                      PromText.value(
                          text[0],
                          "pyhygiene_workloads",
                          Map.of("namespace", ns, "verdict", "pass")))
                  .isEqualTo(1.0);
              assertThat(
                      PromText.value(
                          text[0],
                          "pyhygiene_violations",
                          Map.of("namespace", ns, "rule", "shell-wrapper", "severity", "error")))
                  .isEqualTo(1.0);
              assertThat(
                      PromText.value(
                          text[0],
                          "pyhygiene_violations",
                          Map.of(
                              "namespace", ns, "rule", "writable-root-fs", "severity", "warning")))
                  .isEqualTo(1.0);
            });
    String scrape = text[0];

    // the JOSDK Micrometer integration (reconciles of both controllers) and JVM metrics
    assertThat(
            PromText.value(
                scrape, "operator_sdk_reconciliations_started_total", Map.of("kind", "Deployment")))
        .isGreaterThanOrEqualTo(2.0);
    assertThat(
            PromText.value(
                scrape,
                "operator_sdk_reconciliations_started_total",
                Map.of("kind", "PythonHygienePolicy")))
        .isGreaterThanOrEqualTo(1.0);
    assertThat(
            PromText.has(
                scrape,
                "operator_sdk_controllers_execution_reconcile_seconds_count",
                Map.of("controller", "deployments")))
        .isTrue();
    assertThat(PromText.value(scrape, "jvm_memory_used_bytes", Map.of("area", "heap")))
        .isPositive();

    // bounded labels: no pod or container label, no pod or container name as a label value
    List<String> pods =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () ->
                    cluster
                        .client()
                        .pods()
                        .inNamespace(ns)
                        .withLabel("app", "billing-web")
                        .list()
                        .getItems()
                        .stream()
                        .map(p -> p.getMetadata().getName())
                        .toList(),
                l -> !l.isEmpty());
    Set<String> containers = Set.of("web", "api");
    for (PromText.Sample s : PromText.parse(op.scrape())) {
      assertThat(s.labels().keySet())
          .as("labels of %s", s.name())
          .doesNotContain("pod", "pod_name", "container", "container_name");
      assertThat(s.labels().values())
          .as("label values of %s", s.name())
          .doesNotContainAnyElementsOf(containers)
          .doesNotContainAnyElementsOf(pods);
    }
    for (String pod : pods) {
      assertThat(op.scrape()).doesNotContain(pod);
    }
  }

  @Test
  void healthAndReadinessAnswer200() throws Exception {
    assertThat(op.get("/healthz").status()).isEqualTo(200);
    assertThat(op.get("/readyz").status()).isEqualTo(200);
    assertThat(op.get("/readyz").body()).isEqualTo("ok\n");
  }
}
