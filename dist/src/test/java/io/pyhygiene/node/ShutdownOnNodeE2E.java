package io.pyhygiene.node;

import static io.pyhygiene.node.NodeLab.app;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LifecycleBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.pyhygiene.node.NodeLab.InFlight;
import io.pyhygiene.node.NodeLab.Outcome;
import io.pyhygiene.node.NodeLab.PodRecorder;
import io.pyhygiene.node.NodeLab.Termination;
import io.pyhygiene.testkit.RealCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, "what must be shown on the node": six rolling updates on the real kubelet, each with a
 * request in flight to the old pod, each compared with pyhygiene's static verdict (before) and the
 * runtime evidence the chart-installed operator reports (after). Every row is an assertion: a case
 * fails when the kubelet's observation and pyhygiene's verdict disagree. The rows are written to
 * docs/ground-truth.md (also when a case fails).
 *
 * <p>Needs {@code make cluster-up} (with the node), {@code make images} and {@code make install}:
 * {@code make node-e2e} runs all of it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShutdownOnNodeE2E {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  static final GroundTruthReport report = new GroundTruthReport();
  static NodeLab lab;
  static boolean notedPerReplica;

  static final String SIGKILLED = "shutdown-sigkilled";
  static final String SIGKILLED_TOTAL = "pyhygiene_shutdown_sigkilled_total";
  static final String OOM = "oom-killed";
  static final String OOM_TOTAL = "pyhygiene_oom_killed_total";

  @BeforeAll
  static void installed() {
    lab = new NodeLab(cluster.client());
    lab.requireInstalledOperator();
  }

  @AfterAll
  static void writeReport() {
    report.write();
  }

  /** What one rolling update showed. */
  record Observed(Termination exit, Outcome request) {}

  /** A request of {@code slowSeconds} in flight to the old pod, then a rolling update. */
  Observed rolloutWithRequestInFlight(String ns, String name, int slowSeconds, int graceSeconds) {
    return rolloutWithRequestInFlight(ns, name, slowSeconds, graceSeconds, true);
  }

  Observed rolloutWithRequestInFlight(
      String ns, String name, int slowSeconds, int graceSeconds, boolean mustBeInFlight) {
    try (PodRecorder pods = lab.recordPods(ns)) {
      var old = lab.readyPod(ns, name);
      InFlight request = lab.slowRequest(old, slowSeconds, mustBeInFlight);
      lab.rollout(ns, name);
      Termination t = pods.awaitTermination(old, Duration.ofSeconds(graceSeconds + 60));
      Outcome o = request.outcome(Duration.ofSeconds(slowSeconds + 20));
      lab.readyPod(ns, name);
      return new Observed(t, o);
    }
  }

  Deployment deploy(String ns, String name, String image, Consumer<PodSpec> spec) {
    return lab.apply(NodeLab.deployment(ns, name, image, spec));
  }

  /**
   * Waits until the operator audited the current generation and its findings include {@code rule}.
   */
  List<String> staticFindings(String ns, String name, String... rules) {
    return await("pyhygiene's static findings on " + name)
        .atMost(NodeLab.WAIT)
        .until(
            () -> lab.audited(ns, name) ? lab.findingRules(ns, name) : null,
            f -> f != null && f.containsAll(List.of(rules)));
  }

  /** The runtime finding {@code rule} in the annotation, the PolicyReport and the counter. */
  String evidence(String ns, String name, String rule, String counter, double atLeast) {
    if (!notedPerReplica) {
      notedPerReplica = true;
      report.note(
          "the counters are exported by every operator replica (each watches the pods and"
              + " counts the same termination): the values above are max() over the replicas in Prometheus;"
              + " a sum() counts each termination once per replica.");
    }
    await(rule + " in the annotation and the PolicyReport of " + name)
        .atMost(NodeLab.WAIT)
        .until(
            () ->
                lab.findingRules(ns, name).contains(rule)
                    && lab.reportRules(ns, name).contains(rule));
    double n =
        await(counter + " of " + name + " in Prometheus")
            .atMost(NodeLab.WAIT)
            .until(() -> lab.counter(counter, ns, name), v -> v >= atLeast);
    return rule + " (annotation, PolicyReport, " + counter + " = " + (long) n + ")";
  }

  /** No runtime finding {@code rule} and the counter unchanged, for a quiet period. */
  String noEvidence(String ns, String name, String rule, String counter, double expected) {
    await("no " + rule + " on " + name)
        .during(Duration.ofSeconds(15))
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                !lab.findingRules(ns, name).contains(rule)
                    && !lab.reportRules(ns, name).contains(rule)
                    && lab.counter(counter, ns, name) == expected);
    return "no " + rule + " (" + counter + " = " + (long) expected + ")";
  }

  static String exit(Termination t) {
    return t == null ? "?" : t.exitCode() + (t.reason().isEmpty() ? "" : " (" + t.reason() + ")");
  }

  static String toExit(Termination t) {
    return t == null ? "?" : t.secondsToExit() + " s (grace " + t.graceSeconds() + " s)";
  }

  /** The case's row, whatever happened: the assertions decide pass or fail. */
  final class Row {
    final String kase;
    final String setup;
    String staticVerdict = "?";
    Observed observed;
    String evidence = "?";
    boolean agrees;

    Row(String kase, String setup) {
      this.kase = kase;
      this.setup = setup;
    }

    void add() {
      report.add(
          new GroundTruthReport.Row(
              kase,
              setup,
              observed == null ? "?" : exit(observed.exit()),
              observed == null ? "?" : toExit(observed.exit()),
              observed == null ? "?" : observed.request().text(),
              staticVerdict,
              evidence,
              agrees ? "yes" : "NO (test failed)"));
    }
  }

  // ------------------------------------------------------------------ the cases

  @Test
  @Order(1)
  void gunicornUnderShWithoutExecIsSigkilledAfterTheGracePeriod() {
    String ns = cluster.createNamespace();
    Row row =
        new Row(
            "1. `sh -c` without exec",
            "`sh -c \"gunicorn ... app:app\"`, grace 10 s, `/slow?s=20`");
    try {
      deploy(
          ns,
          "web",
          NodeLab.GUNICORN_IMAGE,
          s -> {
            s.setTerminationGracePeriodSeconds(10L);
            app(s)
                .setCommand(
                    List.of("sh", "-c", "gunicorn --bind 0.0.0.0:8000 --workers 1 app:app"));
          });
      staticFindings(ns, "web", "shell-wrapper");
      row.staticVerdict = "shell-wrapper";
      row.observed = rolloutWithRequestInFlight(ns, "web", 20, 10);
      Termination t = row.observed.exit();
      assertThat(row.observed.request().answered())
          .as("the in-flight request: %s", row.observed.request().text())
          .isFalse();
      assertThat(t.exitCode()).as("exit code of the old container").isEqualTo(137);
      assertThat(t.reason()).isNotEqualTo("OOMKilled");
      assertThat(t.secondsToExit()).as("seconds from deletion to exit").isBetween(9L, 14L);
      row.evidence = evidence(ns, "web", SIGKILLED, SIGKILLED_TOTAL, 1);
      row.agrees = true;
    } finally {
      row.add();
    }
  }

  @Test
  @Order(2)
  void execPreStopAndADrainInsideTheBudgetCompleteTheRequest() {
    String ns = cluster.createNamespace();
    Row row =
        new Row(
            "2. exec, preStop sleep, drain in budget",
            "`sh -c \"exec gunicorn --graceful-timeout 8 ...\"`, preStop sleep 2 s, grace 20 s, `/slow?s=6`, hardened");
    try {
      deploy(
          ns,
          "web",
          NodeLab.GUNICORN_IMAGE,
          s -> {
            s.setTerminationGracePeriodSeconds(20L);
            s.setSecurityContext(
                new PodSecurityContextBuilder()
                    .withRunAsNonRoot(true)
                    .withRunAsUser(10001L)
                    .withSeccompProfile(
                        new SeccompProfileBuilder().withType("RuntimeDefault").build())
                    .build());
            s.setVolumes(
                List.of(
                    new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build()));
            var c = app(s);
            c.setCommand(
                List.of(
                    "sh",
                    "-c",
                    "exec gunicorn --bind 0.0.0.0:8000 --workers 1 --graceful-timeout 8"
                        + " --worker-tmp-dir /tmp app:app"));
            c.getEnv().add(new EnvVar("PYTHONUNBUFFERED", "1", null));
            c.setLifecycle(
                new LifecycleBuilder()
                    .withNewPreStop()
                    .withNewSleep()
                    .withSeconds(2L)
                    .endSleep()
                    .endPreStop()
                    .build());
            c.setVolumeMounts(
                List.of(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build()));
            c.setSecurityContext(
                new SecurityContextBuilder()
                    .withAllowPrivilegeEscalation(false)
                    .withReadOnlyRootFilesystem(true)
                    .withRunAsNonRoot(true)
                    .withRunAsUser(10001L)
                    .withCapabilities(new Capabilities(null, List.of("ALL")))
                    .build());
          });
      List<String> before = staticFindings(ns, "web");
      assertThat(before).as("static findings of the hardened Deployment").isEmpty();
      assertThat(lab.verdict(ns, "web")).isEqualTo("pass");
      row.staticVerdict = "pass, no finding";
      row.observed = rolloutWithRequestInFlight(ns, "web", 6, 20);
      Termination t = row.observed.exit();
      assertThat(row.observed.request().answered())
          .as("the in-flight request: %s", row.observed.request().text())
          .isTrue();
      assertThat(t.exitCode()).as("exit code of the old container").isZero();
      assertThat(t.secondsToExit())
          .as("seconds from deletion to exit, well inside the grace period")
          .isLessThanOrEqualTo(12L);
      row.evidence = noEvidence(ns, "web", SIGKILLED, SIGKILLED_TOTAL, 0);
      assertThat(lab.findingRules(ns, "web")).isEmpty();
      row.agrees = true;
    } finally {
      row.add();
    }
  }

  @Test
  @Order(3)
  void pythonAsPid1WithoutASigtermHandlerIsSigkilled() {
    String ns = cluster.createNamespace();
    Row row =
        new Row(
            "3. `python app.py` as PID 1",
            "`python3 app.py` (wsgiref, no SIGTERM handler), grace 10 s, `/slow?s=20`");
    try {
      deploy(
          ns,
          "web",
          NodeLab.GUNICORN_IMAGE,
          s -> {
            s.setTerminationGracePeriodSeconds(10L);
            app(s).setCommand(List.of("python3", "app.py"));
          });
      staticFindings(ns, "web", "python-pid1");
      row.staticVerdict = "python-pid1";
      row.observed = rolloutWithRequestInFlight(ns, "web", 20, 10);
      Termination t = row.observed.exit();
      assertThat(row.observed.request().answered())
          .as("the in-flight request: %s", row.observed.request().text())
          .isFalse();
      assertThat(t.exitCode()).as("exit code of the old container").isEqualTo(137);
      assertThat(t.secondsToExit()).as("seconds from deletion to exit").isBetween(9L, 14L);
      row.evidence = evidence(ns, "web", SIGKILLED, SIGKILLED_TOTAL, 1);
      row.agrees = true;
    } finally {
      row.add();
    }
  }

  @Test
  @Order(4)
  void uvicornWithAGracePeriodShorterThanItsDrain() {
    String ns = cluster.createNamespace();
    Row row =
        new Row(
            "4. uvicorn, grace < drain",
            "`uvicorn --timeout-graceful-shutdown 20 app:app` (exec form), grace 8 s, `/slow?s=20`");
    try {
      deploy(
          ns,
          "api",
          NodeLab.UVICORN_IMAGE,
          s -> {
            s.setTerminationGracePeriodSeconds(8L);
            app(s)
                .setCommand(
                    List.of(
                        "uvicorn",
                        "--host",
                        "0.0.0.0",
                        "--port",
                        "8000",
                        "--timeout-graceful-shutdown",
                        "20",
                        "app:app"));
          });
      staticFindings(ns, "api", "grace-budget");
      row.staticVerdict = "grace-budget";
      row.observed = rolloutWithRequestInFlight(ns, "api", 20, 8);
      Termination t = row.observed.exit();
      // What the kubelet observed decides what pyhygiene must report.
      if (t.exitCode() == 137 && !"OOMKilled".equals(t.reason())) {
        assertThat(row.observed.request().answered())
            .as("request: %s", row.observed.request().text())
            .isFalse();
        assertThat(t.secondsToExit()).isBetween(7L, 12L);
        row.evidence = evidence(ns, "api", SIGKILLED, SIGKILLED_TOTAL, 1);
      } else {
        row.evidence = noEvidence(ns, "api", SIGKILLED, SIGKILLED_TOTAL, 0);
      }
      assertThat(t.exitCode())
          .as("uvicorn drains for up to 20 s, the kubelet kills at 8 s")
          .isEqualTo(137);
      row.agrees = true;
    } finally {
      row.add();
    }
  }

  @Test
  @Order(5)
  void gunicornWorkersOverTheMemoryLimit() {
    String ns = cluster.createNamespace();
    Row row =
        new Row(
            "5. workers × memory > limit",
            "`gunicorn --workers 4`, each worker holds 96 MiB (`HOLD_MIB=96`), limit 256Mi, `/slow?s=3`");
    try (PodRecorder pods = lab.recordPods(ns)) {
      deploy(
          ns,
          "web",
          NodeLab.GUNICORN_IMAGE,
          s -> {
            s.setTerminationGracePeriodSeconds(15L);
            var c = app(s);
            c.setCommand(
                List.of("gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "app:app"));
            c.getEnv().add(new EnvVar("HOLD_MIB", "96", null));
            c.getResources().getLimits().put("memory", new Quantity("256Mi"));
          });
      staticFindings(ns, "web", "worker-memory");
      row.staticVerdict = "worker-memory";
      var old = lab.readyPod(ns, "web");
      // The kernel's OOM killer works inside the container's memory cgroup: gunicorn logs each
      // worker it loses. Wait until it has lost one.
      await("a gunicorn worker killed by the OOM killer")
          .atMost(NodeLab.WAIT)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  lab.containerLog(old).contains("Perhaps out of memory?")
                      || !pods.oomKills().isEmpty());
      long workerKills =
          lab.containerLog(old).lines().filter(l -> l.contains("Perhaps out of memory?")).count();
      // The request's worker may be OOM-killed before the rollout: not required to be in flight.
      row.observed = rolloutWithRequestInFlight(ns, "web", 3, 15, false);
      Termination t = row.observed.exit();
      report.note(
          "case 5 (cgroup v1): before the rolling update gunicorn had logged "
              + workerKills
              + " worker(s) \"sent SIGKILL! Perhaps out of memory?\"; the container itself kept running (the OOM"
              + " killer picks the largest process of the cgroup, a worker, and the master respawns it);"
              + " the kubelet reported the old container as exit "
              + exit(t)
              + " when the rolling update ended it;"
              + " OOMKilled container states seen: "
              + pods.oomKills());
      boolean kubeletSawOom = "OOMKilled".equals(t.reason()) || !pods.oomKills().isEmpty();
      if (kubeletSawOom) {
        row.evidence = evidence(ns, "web", OOM, OOM_TOTAL, 1);
      } else {
        row.evidence = noEvidence(ns, "web", OOM, OOM_TOTAL, 0);
      }
      assertThat(kubeletSawOom).as("the kubelet reports the container as OOMKilled").isTrue();
      row.agrees = true;
    } finally {
      row.add();
    }
  }

  @Test
  @Order(6)
  void remediationFixesTheShellWrapperAndTheNextRolloutDrains() {
    String ns = cluster.createNamespace();
    Row row =
        new Row(
            "6. remediation of case 1",
            "case 1's Deployment + a policy with remediation for shell-wrapper; then a rolling update, `/slow?s=3`");
    String policy = "node-e2e-remediate-" + ns;
    try {
      // Created as `kubectl create` would (an Update, not a server-side apply by a GitOps
      // manager that owns the command: pyhygiene never forces a field another applier owns).
      lab.create(
          NodeLab.deployment(
              ns,
              "web",
              NodeLab.GUNICORN_IMAGE,
              s -> {
                s.setTerminationGracePeriodSeconds(10L);
                app(s)
                    .setCommand(
                        List.of("sh", "-c", "gunicorn --bind 0.0.0.0:8000 --workers 1 app:app"));
              }));
      staticFindings(ns, "web", "shell-wrapper");
      lab.readyPod(ns, "web");
      String template = lab.get(ns, "web").getSpec().getTemplate().toString();
      cluster.deleteAfterTest(
          cluster
              .client()
              .resource(
                  """
          apiVersion: pyhygiene.io/v1alpha1
          kind: PythonHygienePolicy
          metadata: {name: %s}
          spec:
            mode: Audit
            namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: %s}}
            remediation: {enabled: true, rules: [shell-wrapper], maxConcurrentRollouts: 1}
          """
                      .formatted(policy, ns))
              .serverSideApply());
      Deployment fixed =
          await("pyhygiene's remediation patch (or a remediation-conflict)")
              .atMost(NodeLab.WAIT)
              .until(
                  () -> lab.get(ns, "web"),
                  d ->
                      !d.getSpec().getTemplate().toString().equals(template)
                          || lab.findingRules(ns, "web").contains("remediation-conflict"));
      String conflicts =
          cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
              .filter(e -> "RemediationConflict".equals(e.getReason()))
              .map(e -> e.getMessage())
              .distinct()
              .reduce("", (a, b) -> a + b + " ");
      row.staticVerdict =
          "shell-wrapper" + (conflicts.isEmpty() ? "" : "; remediation: " + conflicts.trim());
      if (lab.findingRules(ns, "web").contains("remediation-conflict")) {
        // Not fixed: record what the next rollout does all the same, then fail.
        report.note(
            "case 6: the remediation policy did not patch: "
                + conflicts.trim()
                + " Whoever"
                + " creates a Deployment owns its container's command (server-side apply field ownership,"
                + " also for a plain create or kubectl apply), and pyhygiene never forces: the shell-wrapper"
                + " fix, a new command, conflicts on every Deployment that sets one.");
        double killed = lab.counter(SIGKILLED_TOTAL, ns, "web");
        row.observed = rolloutWithRequestInFlight(ns, "web", 3, 10);
        if (row.observed.exit().exitCode() == 137) {
          row.evidence = evidence(ns, "web", SIGKILLED, SIGKILLED_TOTAL, killed + 1);
        }
      }
      assertThat(lab.findingRules(ns, "web"))
          .as("findings after the remediation policy (events: %s)", conflicts)
          .doesNotContain("remediation-conflict");
      String command = String.join(" ", app(fixed.getSpec().getTemplate().getSpec()).getCommand());
      assertThat(command).as("the remediated command").contains("exec gunicorn");
      assertThat(fixed.getMetadata().getManagedFields())
          .anySatisfy(m -> assertThat(m.getManager()).isEqualTo("pyhygiene"));
      lab.readyPod(ns, "web");
      List<ReplicaSet> sets =
          cluster.client().apps().replicaSets().inNamespace(ns).list().getItems();
      assertThat(sets).as("ReplicaSets: the original and the remediated template").hasSize(2);
      row.staticVerdict = "shell-wrapper, fixed by one SSA patch (`" + command + "`)";
      await()
          .atMost(NodeLab.WAIT)
          .until(
              () ->
                  lab.audited(ns, "web") && !lab.findingRules(ns, "web").contains("shell-wrapper"));
      // The remediation's own rollout ended the unfixed container (sh -c: SIGKILL after the
      // grace period); its count reaches Prometheus seconds later. Start from the settled value.
      double killedBefore = settledCounter(ns, "web");
      row.observed = rolloutWithRequestInFlight(ns, "web", 3, 10);
      Termination t = row.observed.exit();
      assertThat(row.observed.request().answered())
          .as("the in-flight request: %s", row.observed.request().text())
          .isTrue();
      assertThat(t.exitCode()).as("exit code of the old container").isZero();
      assertThat(t.secondsToExit()).isLessThan(10L);
      row.evidence =
          "no new "
              + SIGKILLED
              + ": "
              + noEvidenceIncrease(ns, "web", killedBefore)
              + " (the remediation's own rollout ended the `sh -c` pod by SIGKILL)";
      assertThat(cluster.client().apps().replicaSets().inNamespace(ns).list().getItems())
          .as("ReplicaSets: original, remediated, the test's rollout: no second remediation")
          .hasSize(3);
      row.agrees = true;
    } finally {
      row.add();
    }
  }

  /** The SIGKILL counter once it has not changed for 20 s (bounded: 2 minutes). */
  double settledCounter(String ns, String name) {
    AtomicReference<Double> last = new AtomicReference<>(Double.NaN);
    AtomicLong since = new AtomicLong(System.nanoTime());
    await("the " + SIGKILLED_TOTAL + " of " + name + " to settle")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              double v = lab.counter(SIGKILLED_TOTAL, ns, name);
              if (v != last.get()) {
                last.set(v);
                since.set(System.nanoTime());
              }
              return System.nanoTime() - since.get() >= Duration.ofSeconds(20).toNanos();
            });
    return last.get();
  }

  String noEvidenceIncrease(String ns, String name, double before) {
    await()
        .during(Duration.ofSeconds(15))
        .atMost(Duration.ofSeconds(60))
        .until(() -> lab.counter(SIGKILLED_TOTAL, ns, name) == before);
    return SIGKILLED_TOTAL + " stays " + (long) before;
  }
}
