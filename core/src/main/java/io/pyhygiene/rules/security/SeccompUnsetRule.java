package io.pyhygiene.rules.security;

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

/** No RuntimeDefault or Localhost seccomp profile is in effect. */
public final class SeccompUnsetRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "seccomp-unset",
          Severity.WARNING,
          Category.SECURITY,
          "No seccomp profile restricts system calls",
          "Without a seccomp profile (or with Unconfined) the container can make every system call,"
              + " including the rarely used ones behind most container-escape exploits. The runtime's"
              + " default profile blocks them and breaks no Python service.",
          "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (or the container),"
              + " and do not override it with Unconfined on a container.",
          """
      # fails
      securityContext: {}
      # passes
      securityContext:
        seccompProfile:
          type: RuntimeDefault
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
    Optional<String> type = c.seccompProfileType();
    if (type.isPresent()
        && (type.get().equals("RuntimeDefault") || type.get().equals("Localhost"))) {
      return Optional.empty();
    }
    return Optional.of(
        finding(
            c.name(),
            type.isPresent()
                ? "its effective seccomp profile is " + type.get() + "."
                : "no seccomp profile is set on the container or the pod."));
  }

  /**
   * Sets RuntimeDefault on the pod, or on the container when the container's own profile
   * (Unconfined) overrides the pod's.
   */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    boolean onPod = false;
    for (Finding f : findings) {
      SecurityContext sc = edits.container(f.container()).orElseThrow().spec().getSecurityContext();
      if (sc != null
          && sc.getSeccompProfile() != null
          && sc.getSeccompProfile().getType() != null) {
        edits.setOnContainer(
            f.container(), "securityContext.seccompProfile.type", "RuntimeDefault");
      } else if (!onPod) {
        edits.setOnPod(
            "securityContext.seccompProfile.type",
            "RuntimeDefault",
            "securityContext.seccompProfile.type=RuntimeDefault");
        onPod = true;
      }
    }
  }
}
