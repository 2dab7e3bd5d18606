package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pyhygiene.testkit.RealCluster;
import io.pyhygiene.testkit.Remediable;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator SIGKILLed in the middle of a remediation wave, then restarted: a policy over {@value
 * #DEPLOYMENTS} Deployments (replicas 0, so the deployment controller completes each rollout
 * without a node) is changed to enable remediation with {@code maxConcurrentRollouts: 2}; once part
 * of the wave has rolled out the operator is SIGKILLed and a new one started. Every Deployment is
 * then fixed, and rolled at most once for that policy change: each template change makes one
 * ReplicaSet, so each Deployment has exactly two (its creation's and the fix's).
 */
class RemediationKillFaultIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  @RegisterExtension final Reliability report = new Reliability();

  static final int DEPLOYMENTS = 60;
  static final int MAX_CONCURRENT_ROLLOUTS = 2;
  static final List<String> FIXED_RULES = Remediable.RULES;

  @Test
  @Timeout(600)
  @DisplayName(
      "operator SIGKILLed mid remediation wave, restarted: every Deployment rolled at most once")
  void killedMidRemediationWave() throws Exception {
    KubernetesClient client = cluster.client();
    Cluster.applyCrds(client);
    String ns = cluster.createNamespace();
    Cluster.createDeployments(client, ns, "wave", DEPLOYMENTS);
    GenericKubernetesResource policy =
        client
            .genericKubernetesResources(Cluster.POLICIES)
            .resource(Cluster.policyFor(ns))
            .create();
    cluster.deleteAfterTest(policy);
    String policyName = policy.getMetadata().getName();
    long t0 = System.nanoTime();
    long remediatedAtKill;
    long firstPid;
    try (OperatorProcess first = OperatorProcess.start("remediation-first", null, Map.of())) {
      first.awaitReady(Duration.ofSeconds(90));
      firstPid = first.pid();
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> Cluster.audited(client, ns) == DEPLOYMENTS);
      // The audit can be faster than the controller-manager: wait for its first ReplicaSets.
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () ->
                  assertThat(replicaSetsPerDeployment(client, ns).values())
                      .as("before remediation: one ReplicaSet per Deployment (its creation's)")
                      .hasSize(DEPLOYMENTS)
                      .containsOnly(1));

      client
          .genericKubernetesResources(Cluster.POLICIES)
          .withName(policyName)
          .edit(
              p -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> spec =
                    new HashMap<>((Map<String, Object>) p.getAdditionalProperties().get("spec"));
                spec.put(
                    "remediation",
                    Map.of(
                        "enabled",
                        true,
                        "rules",
                        FIXED_RULES,
                        "maxConcurrentRollouts",
                        MAX_CONCURRENT_ROLLOUTS));
                p.setAdditionalProperty("spec", spec);
                return p;
              });
      // Kill once part of the wave has rolled out, well before its end.
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> rolled(client, ns) >= DEPLOYMENTS / 6);
      first.kill();
      remediatedAtKill = rolled(client, ns);
    }
    long t1 = System.nanoTime();
    Map<String, Integer> perDeployment;
    long reconcilesAfter;
    try (OperatorProcess second =
        OperatorProcess.start(
            "remediation-second",
            null,
            // A short resync: every Deployment is reconciled again once the wave is over, which
            // is when a second rollout of the same change would show.
            Map.of("PYHYGIENE_RESYNC_INTERVAL", "5s"))) {
      second.awaitReady(Duration.ofSeconds(90));
      await()
          .atMost(Duration.ofSeconds(300))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> !second.alive() || allFixedAndSettled(client, ns));
      assertThat(second.alive())
          .as("second operator alive; log: %s", second.tailLog(1500))
          .isTrue();
      double settledAt = second.deploymentReconciles();
      // Every Deployment reconciled again (the resync) after the wave ended, and nothing queued.
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () ->
                  second.deploymentReconciles() >= settledAt + DEPLOYMENTS
                      && second.reconcilerIdle()
                      && allFixedAndSettled(client, ns));
      reconcilesAfter = (long) (second.deploymentReconciles() - settledAt);
      perDeployment = replicaSetsPerDeployment(client, ns);
    }
    double waveSeconds = (System.nanoTime() - t1) / 1e9;
    Map<Integer, Integer> histogram = new TreeMap<>();
    perDeployment.values().forEach(n -> histogram.merge(n, 1, Integer::sum));
    report
        .injected(
            String.format(
                "%d Deployments (replicas 0) audited under an Audit policy; the policy then"
                    + " enabled remediation of %s with maxConcurrentRollouts %d; the operator was"
                    + " SIGKILLed (pid %d) once %d Deployments had rolled out, and a new operator"
                    + " started.",
                DEPLOYMENTS, FIXED_RULES, MAX_CONCURRENT_ROLLOUTS, firstPid, remediatedAtKill))
        .figure("rolled out when the operator was killed", remediatedAtKill + " of " + DEPLOYMENTS)
        .figure("ReplicaSets per Deployment at the end (count: Deployments)", histogram.toString())
        .figure(
            "Deployment reconciles by the new operator after the wave (resync 5 s)",
            reconcilesAfter)
        .figure(
            "new operator: start to all fixed and resynced", String.format("%.1f s", waveSeconds))
        .figure("whole case", String.format("%.1f s", (System.nanoTime() - t0) / 1e9));
    assertThat(remediatedAtKill)
        .as("the kill came in the middle of the wave")
        .isGreaterThan(0)
        .isLessThan(DEPLOYMENTS);
    assertThat(perDeployment)
        .as("ReplicaSets per Deployment: its creation's and ONE remediation rollout")
        .hasSize(DEPLOYMENTS)
        .allSatisfy((name, n) -> assertThat(n).as(name).isEqualTo(2));
    report.observed(
        String.format(
            "The new operator fixed the remaining %d Deployments; after a resync of every one,"
                + " each Deployment has exactly 2 ReplicaSets: none was rolled twice, none was"
                + " left unfixed.",
            DEPLOYMENTS - remediatedAtKill));
  }

  /** Deployments that have rolled out a second template (two or more ReplicaSets). */
  private static long rolled(KubernetesClient client, String ns) {
    return replicaSetsPerDeployment(client, ns).values().stream().filter(n -> n >= 2).count();
  }

  /** Deployment name to the number of ReplicaSets it owns. */
  private static Map<String, Integer> replicaSetsPerDeployment(KubernetesClient client, String ns) {
    Map<String, String> names = new HashMap<>();
    Map<String, Integer> out = new TreeMap<>();
    for (Deployment d : client.apps().deployments().inNamespace(ns).list().getItems()) {
      names.put(d.getMetadata().getUid(), d.getMetadata().getName());
      out.put(d.getMetadata().getName(), 0);
    }
    for (ReplicaSet rs : client.apps().replicaSets().inNamespace(ns).list().getItems()) {
      if (rs.getMetadata().getOwnerReferences() == null) {
        continue;
      }
      rs.getMetadata().getOwnerReferences().stream()
          .map(o -> names.get(o.getUid()))
          .filter(n -> n != null)
          .forEach(n -> out.merge(n, 1, Integer::sum));
    }
    return out;
  }

  /**
   * Every Deployment carries the fixes, the deployment controller has caught up with it, and the
   * operator has audited its current generation.
   */
  private static boolean allFixedAndSettled(KubernetesClient client, String ns) {
    List<Deployment> all = client.apps().deployments().inNamespace(ns).list().getItems();
    return all.size() == DEPLOYMENTS
        && all.stream().allMatch(RemediationKillFaultIT::fixedAndSettled);
  }

  private static boolean fixedAndSettled(Deployment d) {
    var sc = d.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext();
    Map<String, String> annotations = d.getMetadata().getAnnotations();
    long generation = d.getMetadata().getGeneration();
    return sc != null
        && Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())
        && Boolean.TRUE.equals(sc.getRunAsNonRoot())
        && d.getStatus() != null
        && Long.valueOf(generation).equals(d.getStatus().getObservedGeneration())
        && annotations != null
        && String.valueOf(generation).equals(annotations.get("pyhygiene.io/audited-generation"));
  }
}
