package io.pyhygiene.rules.security;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.SecurityContext;
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
import java.util.List;
import java.util.Optional;

/** allowPrivilegeEscalation is not explicitly false. */
public final class PrivilegeEscalationRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "privilege-escalation",
          Severity.ERROR,
          Category.SECURITY,
          "Privilege escalation is not disabled",
          "Unless `allowPrivilegeEscalation` is false, a process can gain more privileges than its"
              + " parent through setuid binaries or file capabilities (no_new_privs is not set).",
          "Set `securityContext.allowPrivilegeEscalation: false` on the container.",
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
    return Optional.of(
        finding(
            c.name(),
            allow.isPresent()
                ? "sets allowPrivilegeEscalation: true."
                : "does not set allowPrivilegeEscalation: false."));
  }

  /** Sets {@code allowPrivilegeEscalation: false}, unless the API server would reject it. */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    for (Finding f : findings) {
      SecurityContext sc = edits.container(f.container()).orElseThrow().spec().getSecurityContext();
      // The API server rejects allowPrivilegeEscalation: false together with either of these.
      if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) {
        edits.cannotFix(
            f.container(),
            "it is privileged, and Kubernetes rejects"
                + " allowPrivilegeEscalation: false on a privileged container");
        continue;
      }
      // The API server compares the exact spelling CAP_SYS_ADMIN, as here.
      Capabilities caps = sc == null ? null : sc.getCapabilities();
      if (caps != null && caps.getAdd() != null && caps.getAdd().contains("CAP_SYS_ADMIN")) {
        edits.cannotFix(
            f.container(),
            "it adds CAP_SYS_ADMIN, and Kubernetes rejects"
                + " allowPrivilegeEscalation: false with it");
        continue;
      }
      edits.setOnContainer(f.container(), "securityContext.allowPrivilegeEscalation", false);
    }
  }
}
