package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pyhygiene.testkit.AuditLog;
import io.pyhygiene.testkit.RealCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two operator processes with leader election on one Lease; the leader audits {@value #BEFORE}
 * Deployments and is SIGKILLed. The other must hold the Lease within {@value #TAKEOVER_SECONDS} s
 * and audit {@value #AFTER} Deployments created after the kill; and no Deployment is written by
 * both replicas: each write in the API server's audit log names its replica in the user agent
 * ({@code pyhygiene/<version> (<identity>)}).
 */
class LeaderFailoverFaultIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  @RegisterExtension final Reliability report = new Reliability();

  static final int BEFORE = 20;
  static final int AFTER = 10;
  static final int TAKEOVER_SECONDS = 20;
  static final String FIRST = "faults-replica-a";
  static final String SECOND = "faults-replica-b";

  @Test
  @Timeout(400)
  @DisplayName(
      "two replicas, the leader SIGKILLed: the other takes over within 20 s; no Deployment written by both")
  void theFollowerTakesOverAndNoDeploymentIsWrittenByBoth() throws Exception {
    KubernetesClient client = cluster.client();
    String ns = Cluster.auditedNamespace(cluster);
    String lease = "faults-leader-" + ns;
    Map<String, String> env =
        Map.of(
            "PYHYGIENE_LEADER_ELECTION", "true",
            "PYHYGIENE_LEASE_NAME", lease,
            "PYHYGIENE_LEASE_NAMESPACE", ns);
    long t0 = System.nanoTime();
    AuditLog.Mark start = AuditLog.mark();
    double takeover;
    long killedPid;
    String holderBefore;
    try (OperatorProcess a = OperatorProcess.start(FIRST, null, env)) {
      a.awaitReady(Duration.ofSeconds(90));
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> FIRST.equals(holder(client, ns, lease)));
      try (OperatorProcess b = OperatorProcess.start(SECOND, null, env)) {
        b.awaitReady(Duration.ofSeconds(90));
        Cluster.createDeployments(client, ns, "before", BEFORE);
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(250))
            .until(() -> Cluster.audited(client, ns) == BEFORE);
        holderBefore = holder(client, ns, lease);
        assertThat(holderBefore).as("still the first replica's Lease").isEqualTo(FIRST);

        killedPid = a.pid();
        a.kill();
        long killedAt = System.nanoTime();
        await()
            .atMost(Duration.ofSeconds(TAKEOVER_SECONDS + 10))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> SECOND.equals(holder(client, ns, lease)));
        takeover = (System.nanoTime() - killedAt) / 1e9;

        Cluster.createDeployments(client, ns, "after", AFTER);
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(250))
            .until(() -> !b.alive() || Cluster.audited(client, ns) == BEFORE + AFTER);
        assertThat(b.alive()).as("the new leader runs; log: %s", b.tailLog(1500)).isTrue();
        // Whatever the new leader's start-up reconciles and first rounds would write is written.
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(250))
            .until(b::reconcilerIdle);
      }
    }

    // Writes of Deployments in the namespace, by replica (the user agent's comment).
    List<AuditLog.Request> writes =
        AuditLog.since(start).stream()
            .filter(AuditLog.Request::persisted)
            .filter(r -> r.userAgent().startsWith("pyhygiene/"))
            .filter(r -> r.resource().equals("deployments") && r.namespace().equals(ns))
            .toList();
    Map<String, Set<String>> writersByDeployment = new TreeMap<>();
    Map<String, Integer> writesByReplica = new TreeMap<>();
    for (AuditLog.Request r : writes) {
      String replica = replica(r.userAgent());
      writersByDeployment.computeIfAbsent(r.name(), k -> new TreeSet<>()).add(replica);
      writesByReplica.merge(replica, 1, Integer::sum);
    }
    Map<String, Set<String>> byBoth = new TreeMap<>();
    writersByDeployment.forEach(
        (name, replicas) -> {
          if (replicas.size() > 1) {
            byBoth.put(name, replicas);
          }
        });
    long audited = Cluster.audited(client, ns);
    report
        .injected(
            String.format(
                "Two operator processes (%s, %s) with leader election on one Lease; %s led and"
                    + " audited %d Deployments, then was SIGKILLed (pid %d); %d Deployments were"
                    + " created once %s held the Lease.",
                FIRST, SECOND, FIRST, BEFORE, killedPid, AFTER, SECOND))
        .figure("Lease holder before the kill", holderBefore)
        .figure(
            "kill to the new holder",
            String.format("%.1f s (bound %d s)", takeover, TAKEOVER_SECONDS))
        .figure("audited at the end", audited + " of " + (BEFORE + AFTER))
        .figure("stored Deployment writes by replica (audit log user agent)", writesByReplica)
        .figure("Deployments written by both replicas", byBoth.isEmpty() ? "none" : byBoth)
        .figure("whole case", String.format("%.1f s", (System.nanoTime() - t0) / 1e9));
    assertThat(takeover)
        .as("seconds from the kill to the new Lease holder")
        .isLessThanOrEqualTo(TAKEOVER_SECONDS);
    assertThat(audited).as("every Deployment audited").isEqualTo(BEFORE + AFTER);
    assertThat(writesByReplica)
        .as("both replicas are told apart in the audit log")
        .containsOnlyKeys(FIRST, SECOND);
    assertThat(byBoth).as("Deployments written by both replicas").isEmpty();
    report.observed(
        String.format(
            "%s held the Lease %.1f s after the kill and audited the %d new Deployments; each"
                + " stored write names one replica, and no Deployment was written by both.",
            SECOND, takeover, AFTER));
  }

  private static String holder(KubernetesClient client, String ns, String name) {
    Lease l = client.leases().inNamespace(ns).withName(name).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  /** The identity in {@code pyhygiene/<version> (<identity>)}, or the whole user agent. */
  static String replica(String userAgent) {
    int open = userAgent.indexOf('(');
    int close = userAgent.indexOf(')', open + 1);
    return open >= 0 && close > open ? userAgent.substring(open + 1, close) : userAgent;
  }
}
