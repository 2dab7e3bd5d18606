package io.pyhygiene.rules.shutdown;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.FixableRule;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.TemplateEdits;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import io.pyhygiene.workload.process.ServerOptions.Drain;
import java.util.List;
import java.util.Optional;

/**
 * The grace period is shorter than preStop + the server's drain + the margin. The kubelet runs
 * preStop, then sends SIGTERM, and SIGKILLs whatever is left when the grace period (counted from
 * the start of preStop) ends.
 */
public final class GraceBudgetRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "grace-budget",
          Severity.ERROR,
          Category.SHUTDOWN,
          "The grace period is shorter than preStop + the server's drain + a margin",
          "terminationGracePeriodSeconds (default 30) counts from the start of preStop. The server"
              + " gets SIGTERM only after preStop, then drains in-flight requests for up to its"
              + " graceful timeout (gunicorn --graceful-timeout, default 30; uvicorn"
              + " --timeout-graceful-shutdown, unbounded when unset; hypercorn --graceful-timeout,"
              + " default 3). If the sum does not fit, every rollout SIGKILLs requests mid-flight.",
          "Raise `terminationGracePeriodSeconds` to at least preStop + drain + margin, or lower the"
              + " server's graceful timeout so the sum fits.",
          """
      # fails: 30 < 5 (preStop) + 30 (gunicorn default drain) + 5 (margin)
      terminationGracePeriodSeconds: 30
      command: ["gunicorn", "app:app"]
      lifecycle: {preStop: {sleep: {seconds: 5}}}
      # passes
      terminationGracePeriodSeconds: 45
      """);

  @Override
  public String withImage() {
    return "Drain options in the image's CMD (`--graceful-timeout`, `--timeout-graceful-shutdown`,"
        + " Celery's `--time-limit`) and `GUNICORN_CMD_ARGS` in its ENV count; the pod's env"
        + " overrides the image's.";
  }

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.PYTHON_CONTAINERS;
  }

  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    long grace = w.terminationGracePeriodSeconds();
    double preStop = c.preStop().seconds();
    int margin = ctx.policy().marginSeconds();
    Drain drain = c.server().drain();
    String program = c.process().app().map(a -> a.kind().program()).orElse("the app");
    String graceText =
        "terminationGracePeriodSeconds "
            + grace
            + (w.terminationGracePeriodSecondsAsWritten() == null ? " (the default)" : "");
    if (drain.kind() == Drain.Kind.UNBOUNDED) {
      long room = (long) Math.floor(grace - preStop - margin);
      String option =
          c.server().drainOption().isEmpty() ? "a drain timeout" : c.server().drainOption();
      // Celery waits for the tasks it runs, and how long they run is not in the manifest.
      String assumption =
          program.equals("celery") ? "its tasks can run longer than the grace" + " period" : "";
      return Optional.of(
          finding(
                  c.name(),
                  program
                      + " has "
                      + drain.source()
                      + ": it drains without bound, so any "
                      + graceText
                      + " can end in SIGKILL"
                      + rolloutNote(w)
                      + ".",
                  room > 0
                      ? "Add `"
                          + option
                          + " "
                          + room
                          + "` (at most grace period - preStop - margin = "
                          + grace
                          + " - "
                          + seconds(preStop)
                          + " - "
                          + margin
                          + ")."
                      : "Add `"
                          + option
                          + " N` and raise `terminationGracePeriodSeconds` to at least"
                          + " preStop + N + "
                          + margin
                          + ".")
              .assuming(assumption));
    }
    double needed = preStop + drain.seconds() + margin;
    if (grace >= needed) {
      return Optional.empty();
    }
    long required = (long) Math.ceil(needed);
    String parts =
        "preStop "
            + seconds(preStop)
            + " s + "
            + (drain.kind() == Drain.Kind.BOUNDED
                ? program + " drain " + drain.seconds() + " s (" + drain.source() + ") + "
                : "")
            + "margin "
            + margin
            + " s = "
            + (Double.isInfinite(needed) ? "unbounded" : required + " s");
    return Optional.of(
        finding(
            c.name(),
            graceText + " is shorter than " + parts + rolloutNote(w) + ".",
            Double.isInfinite(needed)
                ? "Give the preStop hook a finite duration that fits in the grace period."
                : "Set `terminationGracePeriodSeconds: "
                    + required
                    + "` or more, or lower the"
                    + " drain timeout."));
  }

  private static String seconds(double s) {
    return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
  }

  /**
   * Raises the grace period to what the pod needs. Runs after the other fixes: a preStop hook they
   * add counts.
   */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    long required = 0;
    for (Finding f : findings) {
      ContainerView c = edits.container(f.container()).orElseThrow();
      Drain drain = c.server().drain();
      double preStop = c.preStop().seconds();
      if (drain.kind() == Drain.Kind.UNBOUNDED) {
        String program = c.process().app().map(a -> a.kind().program()).orElse("the server");
        edits.cannotFix(
            c.name(),
            program
                + " drain is unbounded: add "
                + (c.server().drainOption().isEmpty()
                    ? "a drain timeout"
                    : c.server().drainOption()));
      } else if (Double.isInfinite(preStop) || Double.isNaN(preStop)) {
        edits.cannotFix(c.name(), "its preStop hook never ends");
      } else {
        required =
            Math.max(
                required,
                (long) Math.ceil(preStop + drain.seconds() + edits.policy().marginSeconds()));
      }
    }
    long current = edits.workload().terminationGracePeriodSeconds();
    if (required > current) {
      edits.setOnPod(
          "terminationGracePeriodSeconds",
          required,
          "terminationGracePeriodSeconds=" + required + " (was " + current + ")");
    }
  }

  @Override
  public int fixOrder() {
    return 1;
  }

  /** What a slow shutdown costs for kinds that replace pods one at a time. */
  private static String rolloutNote(WorkloadView w) {
    return switch (w.workloadKind()) {
      case STATEFUL_SET ->
          w.podManagementPolicy().equals("OrderedReady")
              ? "; this StatefulSet (OrderedReady) replaces its pods one at a time, so every pod's"
                  + " shutdown lengthens the rollout"
              : "";
      case DAEMON_SET ->
          "; this DaemonSet replaces at most "
              + w.maxUnavailable()
              + " pod(s) at a time, so each node waits for its pod's shutdown";
      case JOB, CRON_JOB ->
          "; a Job's pod gets SIGTERM on deletion, node drain and" + " activeDeadlineSeconds";
      default -> "";
    };
  }
}
