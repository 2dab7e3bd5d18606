package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pyhygiene.testkit.AuditLog;
import io.pyhygiene.testkit.PromText;
import io.pyhygiene.testkit.RealCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 4: "no write at all when nothing changed: a resync of an unchanged cluster makes zero write
 * requests", counted in the API server's audit log (every write of Deployments, pyhygiene.io and
 * wgpolicyk8s.io objects is recorded, with the operator's user and user agent), plus the Events the
 * operator could create. Also after a restart of the operator.
 */
class ZeroWritesIT {

  static final Duration RESYNC = Duration.ofSeconds(2);

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  static OperatorHarness op;
  static Fixtures fx;

  @BeforeAll
  static void startOperator() throws Exception {
    fx = new Fixtures(cluster);
    op =
        OperatorHarness.start(
            cluster.client(), Map.of("PYHYGIENE_RESYNC_INTERVAL", RESYNC.toMillis() + "ms"));
  }

  @AfterAll
  static void stopOperator() {
    if (op != null) {
      op.close();
    }
  }

  static double deploymentReconciles() throws Exception {
    return PromText.value(
        op.scrape(), "operator_sdk_reconciliations_started_total", Map.of("kind", "Deployment"));
  }

  /** Waits until the operator has made no write for {@code quiet} (it has settled). */
  static void awaitQuiet(Duration quiet) throws Exception {
    AuditLog.Mark[] mark = {AuditLog.mark()};
    long[] since = {System.nanoTime()};
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!op.writesSince(mark[0]).isEmpty()) {
                mark[0] = AuditLog.mark();
                since[0] = System.nanoTime();
                return false;
              }
              return System.nanoTime() - since[0] >= quiet.toNanos();
            });
  }

  @Test
  void resyncsAndARestartOfAnUnchangedClusterWriteNothing() throws Exception {
    AuditLog.Mark begin = AuditLog.mark();
    String ns = cluster.createNamespace();
    String policy = fx.applyPolicy(ns, "steady", Map.of()).getMetadata().getName();
    fx.apply(Fixtures.deployment("bad.yaml", ns, "bad"));
    fx.apply(Fixtures.deployment("good.yaml", ns, "good"));

    // steady state: both audited, the report and the policy status published
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () ->
                Fixtures.auditedCurrentGeneration(fx.get(ns, "bad"))
                    && Fixtures.auditedCurrentGeneration(fx.get(ns, "good"))
                    && fx.policyReport(ns) != null
                    && fx.policy(policy).getStatus() != null
                    && Integer.valueOf(2).equals(fx.policy(policy).getStatus().getMatched()));
    AuditLog.Mark settling = AuditLog.mark();
    awaitQuiet(Duration.ofSeconds(1));
    assertThat(op.writesSince(begin))
        .as("the audit log records the operator's writes (by user and user agent)")
        .anySatisfy(r -> assertThat(r.resource()).isEqualTo("deployments"))
        .anySatisfy(r -> assertThat(r.resource()).isEqualTo("policyreports"))
        .anySatisfy(r -> assertThat(r.resource()).isEqualTo("pythonhygienepolicies"));

    // two full rounds of resyncs of an unchanged cluster (every Deployment is resynced every
    // RESYNC), then until what they would write has been written
    AuditLog.Mark window = AuditLog.mark();
    long started = System.nanoTime();
    int events = cluster.client().v1().events().inNamespace(ns).list().getItems().size();
    int inCluster = cluster.client().apps().deployments().inAnyNamespace().list().getItems().size();
    double reconcilesBefore = deploymentReconciles();
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> deploymentReconciles() - reconcilesBefore >= 2.0 * inCluster);
    op.awaitSettled();
    double reconciles = deploymentReconciles() - reconcilesBefore;
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    List<AuditLog.Request> writes = op.writesSince(window);

    assertThat(reconciles)
        .as("resyncs happened: Deployment reconciles in the window")
        .isGreaterThanOrEqualTo(2 * 2);
    assertThat(writes).as("write requests by the operator during %s of resyncs", took).isEmpty();
    assertThat(cluster.client().v1().events().inNamespace(ns).list().getItems()).hasSize(events);
    System.out.printf(
        "[ZeroWritesIT] %.0f Deployment reconciles in %s, %d writes (%d writes to"
            + " reach steady state, %d of them while settling)%n",
        reconciles,
        took,
        writes.size(),
        op.writesBetween(begin, window).size(),
        op.writesBetween(settling, window).size());

    // a restart on the unchanged cluster: the new operator audits everything again, writes nothing
    AuditLog.Mark restart = AuditLog.mark();
    op.restart();
    int deployments =
        cluster.client().apps().deployments().inAnyNamespace().list().getItems().size();
    await().atMost(OperatorHarness.TIMEOUT).until(() -> deploymentReconciles() >= deployments);
    op.awaitSettled(); // the first publishing round after the initial sync has run
    List<AuditLog.Request> afterRestart = op.writesSince(restart);
    assertThat(afterRestart)
        .as("Deployment writes after a restart")
        .filteredOn(r -> r.resource().equals("deployments"))
        .isEmpty();
    assertThat(afterRestart).as("any writes after a restart").isEmpty();
    assertThat(cluster.client().v1().events().inNamespace(ns).list().getItems()).hasSize(events);
  }
}
