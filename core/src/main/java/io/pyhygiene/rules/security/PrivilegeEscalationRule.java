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

/** allowPrivilegeEscalation is not explicitly false. */
public final class PrivilegeEscalationRule extends ContainerRule {

  private static final RuleInfo INFO = new RuleInfo(
      "privilege-escalation", Severity.ERROR, Category.SECURITY,
      "Privilege escalation is not disabled",
      "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its"
          + " parent through setuid binaries or file capabilities (no_new_privs is not set).",
      "Set `securityContext.allowPrivilegeEscalation: false` on the container.",
      true,
      """
      # fails
      securityContext: {}
      # passes
      securityContext:
        allowPrivilegeEscalation: false
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
    Optional<Boolean> allow = c.allowPrivilegeEscalation();
    if (allow.isPresent() && !allow.get()) {
      return Optional.empty();
    }
    return Optional.of(finding(c.name(), allow.isPresent()
        ? "sets allowPrivilegeEscalation: true."
        : "does not set allowPrivilegeEscalation: false."));
  }
}
