package io.pyhygiene.rules.shutdown;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;
import java.util.Set;

/** A serving container has no readiness probe. */
public final class ReadinessProbeMissingRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "readiness-probe-missing",
          Severity.WARNING,
          Category.SHUTDOWN,
          "A serving container has no readiness probe",
          "Without a readiness probe a pod receives traffic as soon as its process starts, before"
              + " the Python app has imported its modules and opened its connections, and keeps"
              + " receiving it while it is overloaded or draining.",
          "Add a `readinessProbe` (an HTTP GET on a cheap health endpoint) to every container that"
              + " serves a port.",
          """
      # fails
      ports: [{containerPort: 8000}]
      # passes
      ports: [{containerPort: 8000}]
      readinessProbe:
        httpGet: {path: /healthz, port: 8000}
      """);

  @Override
  public Set<WorkloadKind> kinds() {
    return PrestopMissingRule.LONG_RUNNING;
  }

  @Override
  public String kindsReason() {
    return "a Job's or CronJob's pod runs to completion: no rollout waits for it to"
        + " become ready and no Service is meant to route to it (a bare Pod counts only"
        + " with restartPolicy Always)";
  }

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.ALL_CONTAINERS;
  }

  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    if (!w.longRunning() || !c.serving().serving() || c.hasReadinessProbe()) {
      return Optional.empty();
    }
    return Optional.of(
        finding(
            c.name(),
            c.serving().describe()
                + ", but it has no"
                + " readinessProbe: it receives traffic before it can serve and while it is stopping."));
  }
}
