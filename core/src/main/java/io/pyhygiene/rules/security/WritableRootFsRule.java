package io.pyhygiene.rules.security;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** The root filesystem is writable. */
public final class WritableRootFsRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "writable-root-fs",
          Severity.WARNING,
          Category.SECURITY,
          "The root filesystem is writable",
          "A writable root filesystem lets an intruder drop tools or modify the installed Python"
              + " packages (site-packages) and persist until the pod is replaced.",
          "Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the app"
              + " writes (for example /tmp, and set PYTHONDONTWRITEBYTECODE=1).",
          """
      # fails
      securityContext: {}
      # passes
      securityContext:
        readOnlyRootFilesystem: true
      volumeMounts:
        - {name: tmp, mountPath: /tmp}
      """);

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
    return c.readOnlyRootFilesystem()
        ? Optional.empty()
        : Optional.of(finding(c.name(), "does not set readOnlyRootFilesystem: true."));
  }
}
