package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pyhygiene.testkit.RealCluster;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A network partition between the operator (a separate process) and the API server: a counting TCP
 * proxy stops forwarding (open connections stall, new ones are held unanswered) for 30 s while
 * Deployments are created behind the operator's back, then heals. The operator must neither exit
 * nor spin while cut off (connection attempts and CPU time bounded), and must audit what changed
 * without a restart.
 */
class PartitionFaultIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  @RegisterExtension final Reliability report = new Reliability();

  static final int BEFORE = 20;
  static final int DURING = 10;
  static final Duration PARTITION = Duration.ofSeconds(30);

  /** While cut off: at most this many connection attempts per second on average. */
  static final double MAX_CONNECTIONS_PER_SECOND = 2.0;

  /** While cut off: at most this share of one core. */
  static final double MAX_CPU_SHARE = 0.25;

  @Test
  @Timeout(420)
  @DisplayName(
      "partition between operator and API server for 30 s: no exit, no spin, recovers without restart")
  void recoversFromAPartitionWithoutRestart() throws Exception {
    var client = cluster.client();
    String ns = Cluster.auditedNamespace(cluster);
    int apiPort = URI.create(client.getConfiguration().getMasterUrl()).getPort();
    long ticksPerSecond = 100; // USER_HZ on Linux
    try (CountingProxy proxy = new CountingProxy(apiPort);
        OperatorProcess op =
            OperatorProcess.start(
                "partition", Cluster.kubeconfigVia(proxy.port(), "partition"), Map.of())) {
      op.awaitReady(Duration.ofSeconds(90));
      Cluster.createDeployments(client, ns, "before", BEFORE);
      await().atMost(Duration.ofSeconds(90)).until(() -> Cluster.audited(client, ns) == BEFORE);
      long pid = op.pid();

      proxy.partition(CountingProxy.State.STALL);
      long connections0 = proxy.connections();
      long cpu0 = Processes.cpuTicks(pid);
      long t0 = System.nanoTime();
      Cluster.createDeployments(client, ns, "during", DURING);
      // The fault's duration (what is injected), not a wait for a result.
      Thread.sleep(PARTITION.toMillis());
      double seconds = (System.nanoTime() - t0) / 1e9;
      long connections = proxy.connections() - connections0;
      double cpuShare = (Processes.cpuTicks(pid) - cpu0) / (double) ticksPerSecond / seconds;
      boolean aliveDuring = op.alive();
      long auditedDuring = Cluster.audited(client, ns);

      proxy.heal();
      long t1 = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> !op.alive() || Cluster.audited(client, ns) == BEFORE + DURING);
      double recoverySeconds = (System.nanoTime() - t1) / 1e9;

      report
          .injected(
              String.format(
                  "An operator process talking to the API server through a TCP"
                      + " proxy; after it audited %d Deployments the proxy stopped forwarding (open connections"
                      + " stalled, new ones held unanswered) for %d s while %d more Deployments were"
                      + " created, then forwarded again.",
                  BEFORE, PARTITION.toSeconds(), DURING))
          .figure("connection attempts while cut off", connections)
          .figure(
              "connection attempts per second (bound)",
              String.format("%.2f (%.1f)", connections / seconds, MAX_CONNECTIONS_PER_SECOND))
          .figure(
              "operator CPU while cut off, share of one core (bound)",
              String.format("%.3f (%.2f)", cpuShare, MAX_CPU_SHARE))
          .figure("audited while cut off", auditedDuring + " of " + (BEFORE + DURING))
          .figure(
              "time to audit the new Deployments after healing",
              String.format("%.1f s", recoverySeconds))
          .figure("operator pid before / after", pid + " / " + op.pid());
      assertThat(aliveDuring)
          .as("the operator did not exit while cut off; log: %s", op.tailLog(1500))
          .isTrue();
      assertThat(op.alive())
          .as("the operator did not exit after healing; log: %s", op.tailLog(1500))
          .isTrue();
      assertThat(op.pid()).isEqualTo(pid);
      assertThat(Cluster.audited(client, ns))
          .as("every Deployment audited after healing, without a restart")
          .isEqualTo(BEFORE + DURING);
      assertThat(connections / seconds)
          .as("connection attempts per second while cut off")
          .isLessThanOrEqualTo(MAX_CONNECTIONS_PER_SECOND);
      assertThat(cpuShare).as("CPU share while cut off").isLessThanOrEqualTo(MAX_CPU_SHARE);
      report.observed(
          String.format(
              "The operator stayed up (same pid), made %d connection attempts"
                  + " in %.0f s while cut off, and audited the %d new Deployments %.1f s after healing.",
              connections, seconds, DURING, recoverySeconds));
    }
  }
}
