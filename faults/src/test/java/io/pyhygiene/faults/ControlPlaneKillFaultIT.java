package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pyhygiene.testkit.RealCluster;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * etcd, then kube-apiserver, SIGKILLed in the middle of a cold audit of 300 Deployments, and
 * restarted (e2e/bin/cluster-up.sh restarts a partly running cluster on its kept data) after 30 s
 * down. Afterwards every Deployment is audited; the operator (a separate process, through a
 * counting proxy) did not exit and did not spin while the server was down.
 *
 * <p>Not spinning: every watch and request retries with a growing pause, so the first seconds of an
 * outage see a burst (each informer and each in-flight write retries quickly at first) and the rest
 * a trickle. The bound is on the trickle: connection attempts per second once the outage is {@link
 * #SETTLE} old. The burst is reported beside it.
 */
class ControlPlaneKillFaultIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  @RegisterExtension final Reliability report = new Reliability();

  static final int DEPLOYMENTS = 300;
  static final Duration DOWN = Duration.ofSeconds(30);
  static final Duration SETTLE = Duration.ofSeconds(10);
  static final double MAX_CONNECTIONS_PER_SECOND = 2.0;
  static final double MAX_CPU_SHARE = 0.25;

  @ParameterizedTest(name = "{0} SIGKILLed mid cold audit")
  @ValueSource(strings = {"etcd", "kube-apiserver"})
  @Timeout(900)
  @DisplayName(
      "etcd / kube-apiserver SIGKILLed mid cold audit: all audited after restart, no exit, no spin")
  void killedMidColdAudit(String component) throws Exception {
    report.variant(component);
    var client = cluster.client();
    String ns = Cluster.auditedNamespace(cluster);
    Cluster.createDeployments(client, ns, "cold", DEPLOYMENTS);
    int apiPort = URI.create(client.getConfiguration().getMasterUrl()).getPort();
    try (CountingProxy proxy = new CountingProxy(apiPort);
        OperatorProcess op =
            OperatorProcess.start(
                "kill-" + component,
                Cluster.kubeconfigVia(proxy.port(), "kill-" + component),
                Map.of())) {
      // Cold start: kill once the audit is under way but not finished.
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> Cluster.audited(client, ns) >= DEPLOYMENTS / 10);
      long auditedAtKill = Cluster.audited(client, ns);
      long pid = op.pid();
      long component0 = componentPid(component);
      ProcessHandle.of(component0).ifPresent(ProcessHandle::destroyForcibly);
      long connections0 = proxy.connections();
      long cpu0 = Processes.cpuTicks(pid);
      long t0 = System.nanoTime();
      // The fault's duration (what is injected), not a wait for a result.
      Thread.sleep(SETTLE.toMillis());
      long burst = proxy.connections() - connections0;
      double burstSeconds = (System.nanoTime() - t0) / 1e9;
      long connectionsSettled = proxy.connections();
      long tSettled = System.nanoTime();
      Thread.sleep(DOWN.minus(SETTLE).toMillis());
      double seconds = (System.nanoTime() - t0) / 1e9;
      double settledSeconds = (System.nanoTime() - tSettled) / 1e9;
      long connections = proxy.connections() - connectionsSettled;
      double cpuShare = (Processes.cpuTicks(pid) - cpu0) / 100.0 / seconds;
      boolean aliveDuring = op.alive();
      restartCluster();
      long t1 = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(300))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> !op.alive() || Cluster.audited(client, ns) == DEPLOYMENTS);
      double recovery = (System.nanoTime() - t1) / 1e9;
      report
          .injected(
              String.format(
                  "%s SIGKILLed (pid %d) after %d of %d Deployments were audited"
                      + " on a cold start; down %d s; restarted with e2e/bin/cluster-up.sh.",
                  component, component0, auditedAtKill, DEPLOYMENTS, DOWN.toSeconds()))
          .figure(
              "connection attempts in the first " + SETTLE.toSeconds() + " s down (per s)",
              String.format("%d (%.2f)", burst, burst / burstSeconds))
          .figure(
              "connection attempts in the rest of the outage (per s, bound)",
              String.format(
                  "%d (%.2f, %.1f)",
                  connections, connections / settledSeconds, MAX_CONNECTIONS_PER_SECOND))
          .figure(
              "operator CPU while down, share of one core (bound)",
              String.format("%.3f (%.2f)", cpuShare, MAX_CPU_SHARE))
          .figure("time from restart to all audited", String.format("%.1f s", recovery));
      assertThat(aliveDuring)
          .as("operator alive while %s was down; log: %s", component, op.tailLog(1500))
          .isTrue();
      assertThat(op.alive())
          .as("operator alive after the restart; log: %s", op.tailLog(1500))
          .isTrue();
      assertThat(op.pid()).isEqualTo(pid);
      assertThat(Cluster.audited(client, ns)).as("every Deployment audited").isEqualTo(DEPLOYMENTS);
      assertThat(connections / settledSeconds)
          .as("connection attempts per s after the first %d s down", SETTLE.toSeconds())
          .isLessThanOrEqualTo(MAX_CONNECTIONS_PER_SECOND);
      assertThat(cpuShare).isLessThanOrEqualTo(MAX_CPU_SHARE);
      report.observed(
          String.format(
              "The operator stayed up (same pid) and every Deployment carried"
                  + " its verdict %.1f s after the restart.",
              recovery));
    }
  }

  private static long componentPid(String component) throws IOException {
    Path pidFile = RealCluster.workDir().resolve("pids/" + component + ".pid");
    return Long.parseLong(
        Files.readString(pidFile, StandardCharsets.UTF_8).replaceAll("[^0-9]", ""));
  }

  /** cluster-up.sh restarts a partly running cluster on its kept data (same env as the suite). */
  private static void restartCluster() throws Exception {
    Path log = Files.createTempFile("faults-cluster-up", ".log");
    Process p =
        new ProcessBuilder(
                "bash", RealCluster.repoRoot().resolve("e2e/bin/cluster-up.sh").toString())
            .directory(RealCluster.repoRoot().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("cluster-up finished").isTrue();
    assertThat(p.exitValue()).as("cluster-up: %s", Files.readString(log)).isZero();
  }
}
