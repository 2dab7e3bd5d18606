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

/** The container is privileged. */
public final class PrivilegedRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "privileged",
          Severity.ERROR,
          Category.SECURITY,
          "The container runs privileged",
          "A privileged container has every capability and the host's devices: it is root on the"
              + " node. A Python web service never needs it.",
          "Remove `securityContext.privileged: true`; grant a single capability with"
              + " `capabilities.add` if the service truly needs one.",
          """
      # fails
      securityContext:
        privileged: true
      # passes
      securityContext:
        privileged: false
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
    return c.privileged()
        ? Optional.of(finding(c.name(), "runs with privileged: true."))
        : Optional.empty();
  }
}
