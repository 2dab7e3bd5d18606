package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.operator.it.Fixtures.Finding;
import io.pyhygiene.testkit.HeldPods;
import io.pyhygiene.testkit.Kubelet;
import io.pyhygiene.testkit.PromText;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, runtime evidence. There is no kubelet, so the test plays its role: it writes container
 * terminations into Pod statuses through the status subresource of the real API server. A pod being
 * deleted (held by a finalizer) whose container ended with exit code 137 is a {@code
 * shutdown-sigkilled}; a container terminated as {@code OOMKilled} is an {@code oom-killed}.
 */
class RuntimeEvidenceIT extends WithOperator {

  final HeldPods held = new HeldPods(cluster.client());

  @AfterEach
  void releaseHeldPods() {
    held.release();
  }

  List<Pod> pods(String ns, String app) {
    return cluster.client().pods().inNamespace(ns).withLabel("app", app).list().getItems();
  }

  @Test
  void sigkillOnAPodBeingDeletedAndAnOomKillBecomeFindingsAndCounters() throws Exception {
    String ns = cluster.createNamespace();
    String policy = ns + "-evidence";
    fx.applyPolicy(ns, "evidence", Map.of());
    Deployment d = Fixtures.deployment("good.yaml", ns, "api");
    d.getSpec().setReplicas(1); // the ReplicaSet creates a Pod (Pending: no node, no kubelet)
    fx.apply(d);
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () -> fx.get(ns, "api"),
            x -> Fixtures.auditedCurrentGeneration(x) && "pass".equals(Fixtures.verdict(x)));

    // the ReplicaSet's pod: held by a finalizer, deleted (so it is terminating), then SIGKILLed
    Pod first =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> pods(ns, "api"), l -> l.size() == 1)
            .get(0);
    assertThat(first.getMetadata().getLabels()).containsKey("pod-template-hash");
    assertThat(first.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("ReplicaSet"));
    held.holdAndDelete(first);
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () ->
                cluster
                        .client()
                        .pods()
                        .inNamespace(ns)
                        .withName(first.getMetadata().getName())
                        .get()
                        .getMetadata()
                        .getDeletionTimestamp()
                    != null);
    Kubelet.terminate(cluster.client(), first, false, 137, "Error");

    Deployment killed =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> fx.get(ns, "api"), x -> Fixtures.rules(x).contains("shutdown-sigkilled"));
    assertThat(Fixtures.findings(killed))
        .contains(new Finding("shutdown-sigkilled", "error", "api", policy));
    assertThat(Fixtures.verdict(killed)).isEqualTo("fail");
    assertThat(Fixtures.rules(killed)).doesNotContain("oom-killed");
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        PromText.value(
                            op.scrape(),
                            "pyhygiene_shutdown_sigkilled_total",
                            Map.of("namespace", ns, "kind", "Deployment", "name", "api")))
                    .isEqualTo(1.0));

    // the replacement pod the ReplicaSet created: OOMKilled (not being deleted)
    Pod second =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () ->
                    pods(ns, "api").stream()
                        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                        .toList(),
                l -> l.size() == 1)
            .get(0);
    Kubelet.terminate(cluster.client(), second, false, 137, "OOMKilled");
    Deployment oom =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> fx.get(ns, "api"), x -> Fixtures.rules(x).contains("oom-killed"));
    assertThat(Fixtures.findings(oom))
        .contains(
            new Finding("oom-killed", "error", "api", policy),
            new Finding("shutdown-sigkilled", "error", "api", policy));
    String scrape =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                op::scrape,
                s ->
                    PromText.value(
                            s,
                            "pyhygiene_oom_killed_total",
                            Map.of("namespace", ns, "kind", "Deployment", "name", "api"))
                        == 1.0);
    // an OOM kill is not a shutdown SIGKILL, and each termination counts once however often seen
    assertThat(
            PromText.value(
                scrape,
                "pyhygiene_shutdown_sigkilled_total",
                Map.of("namespace", ns, "kind", "Deployment", "name", "api")))
        .isEqualTo(1.0);
    // counters carry namespace and deployment only: no pod or container
    for (String name :
        List.of("pyhygiene_oom_killed_total", "pyhygiene_shutdown_sigkilled_total")) {
      assertThat(PromText.parse(scrape))
          .filteredOn(s -> s.name().equals(name))
          .allSatisfy(
              s -> assertThat(s.labels().keySet()).isEqualTo(Set.of("namespace", "kind", "name")));
    }
    assertThat(scrape)
        .doesNotContain(first.getMetadata().getName())
        .doesNotContain(second.getMetadata().getName());

    // the same status written again (a later pod update) does not count twice: the update still
    // carries the evidence, so it re-audits the Deployment; once that is done, the count stands
    double reconciles = op.deploymentReconciles();
    cluster
        .client()
        .pods()
        .inNamespace(ns)
        .withName(second.getMetadata().getName())
        .edit(
            p -> {
              p.getMetadata().getLabels().put("it.example/touched", "yes");
              return p;
            });
    await().atMost(OperatorHarness.TIMEOUT).until(() -> op.deploymentReconciles() > reconciles);
    op.awaitSettled();
    assertThat(
            PromText.value(
                op.scrape(),
                "pyhygiene_oom_killed_total",
                Map.of("namespace", ns, "kind", "Deployment", "name", "api")))
        .isEqualTo(1.0);
  }
}
