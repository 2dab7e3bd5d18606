package io.pyhygiene.rules.shutdown;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.process.ServerOptions.Drain;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/**
 * The grace period is shorter than preStop + the server's drain + the margin. The kubelet runs
 * preStop, then sends SIGTERM, and SIGKILLs whatever is left when the grace period (counted from
 * the start of preStop) ends.
 */
public final class GraceBudgetRule extends ContainerRule {

  private static final RuleInfo INFO = new RuleInfo(
      "grace-budget", Severity.ERROR, Category.SHUTDOWN,
      "The grace period is shorter than preStop + the server's drain + a margin",
      "terminationGracePeriodSeconds (default 30) counts from the start of preStop. The server"
          + " gets SIGTERM only after preStop, then drains in-flight requests for up to its"
          + " graceful timeout (gunicorn --graceful-timeout, default 30; uvicorn"
          + " --timeout-graceful-shutdown, unbounded when unset; hypercorn --graceful-timeout,"
          + " default 3). If the sum does not fit, every rollout SIGKILLs requests mid-flight.",
      "Raise `terminationGracePeriodSeconds` to at least preStop + drain + margin, or lower the"
          + " server's graceful timeout so the sum fits.",
      true,
      """
      # fails: 30 < 5 (preStop) + 30 (gunicorn default drain) + 5 (margin)
      terminationGracePeriodSeconds: 30
      command: ["gunicorn", "app:app"]
      lifecycle: {preStop: {sleep: {seconds: 5}}}
      # passes
      terminationGracePeriodSeconds: 45
      """);

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
    String graceText = "terminationGracePeriodSeconds " + grace
        + (w.terminationGracePeriodSecondsAsWritten() == null ? " (the default)" : "");
    if (drain.kind() == Drain.Kind.UNBOUNDED) {
      long room = (long) Math.floor(grace - preStop - margin);
      return Optional.of(finding(c.name(),
          program + " has " + drain.source() + ": it drains open requests without bound, so"
              + " any " + graceText + " can end in SIGKILL.",
          room > 0
              ? "Add `--timeout-graceful-shutdown " + room + "` (at most grace period - preStop"
                  + " - margin = " + grace + " - " + seconds(preStop) + " - " + margin + ")."
              : "Add `--timeout-graceful-shutdown N` and raise `terminationGracePeriodSeconds` to"
                  + " at least preStop + N + " + margin + "."));
    }
    double needed = preStop + drain.seconds() + margin;
    if (grace >= needed) {
      return Optional.empty();
    }
    long required = (long) Math.ceil(needed);
    String parts = "preStop " + seconds(preStop) + " s + "
        + (drain.kind() == Drain.Kind.BOUNDED
            ? program + " drain " + drain.seconds() + " s (" + drain.source() + ") + " : "")
        + "margin " + margin + " s = " + (Double.isInfinite(needed) ? "unbounded" : required + " s");
    return Optional.of(finding(c.name(),
        graceText + " is shorter than " + parts + ".",
        Double.isInfinite(needed)
            ? "Give the preStop hook a finite duration that fits in the grace period."
            : "Set `terminationGracePeriodSeconds: " + required + "` or more, or lower the"
                + " drain timeout."));
  }

  private static String seconds(double s) {
    return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
  }
}
