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
import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.WorkloadView;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A serving container has no preStop hook. */
public final class PrestopMissingRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "prestop-missing",
          Severity.WARNING,
          Category.SHUTDOWN,
          "A serving container has no preStop hook",
          "When a pod is deleted, the kubelet sends SIGTERM at the same time as the endpoint"
              + " controller starts removing the pod from Services and load balancers. Without a"
              + " short preStop pause the server stops accepting connections while traffic is still"
              + " routed to it, and clients see connection errors on every rollout.",
          "Add a preStop hook that waits for endpoints to update, such as"
              + " `lifecycle.preStop.sleep.seconds: 5` (Kubernetes 1.30+) or"
              + " `exec: {command: [\"sleep\", \"5\"]}`.",
          """
      # fails
      ports: [{containerPort: 8000}]
      # passes
      ports: [{containerPort: 8000}]
      lifecycle:
        preStop:
          sleep: {seconds: 5}
      """);

  /**
   * Kinds whose pods are long-running (rolled out, routed to by Services, drained); a bare Pod is,
   * unless its restartPolicy says it runs to completion, which the check itself reads.
   */
  static final Set<WorkloadKind> LONG_RUNNING =
      Set.copyOf(
          EnumSet.copyOf(
              Arrays.stream(WorkloadKind.values()).filter(WorkloadKind::longRunning).toList()));

  @Override
  public Set<WorkloadKind> kinds() {
    return LONG_RUNNING;
  }

  @Override
  public String kindsReason() {
    return "a Job's or CronJob's pod runs to completion: no rollout replaces it while a"
        + " Service routes to it, so there is no drain for preStop to cover (a bare Pod"
        + " counts only with restartPolicy Always)";
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
    // A run-to-completion pod (Job, CronJob) is never drained behind a Service.
    if (!w.longRunning() || !c.serving().serving() || c.preStop().present()) {
      return Optional.empty();
    }
    return Optional.of(
        finding(
            c.name(),
            c.serving().describe()
                + ", but it has no preStop hook:"
                + " it gets SIGTERM while endpoints may still route requests to it."));
  }

  /** Adds a {@code sleep} preStop hook of the policy's length. */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    int seconds = edits.policy().preStopSeconds();
    for (Finding f : findings) {
      if (seconds <= 0) {
        edits.cannotFix(f.container(), "the policy's preStopSeconds is 0");
        continue;
      }
      edits.setOnContainer(f.container(), "lifecycle.preStop.sleep.seconds", seconds);
    }
  }
}
