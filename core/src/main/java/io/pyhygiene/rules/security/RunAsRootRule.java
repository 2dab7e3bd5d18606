package io.pyhygiene.rules.security;

import io.pyhygiene.engine.TemplateEdits;
import io.pyhygiene.engine.FixableRule;
import java.util.List;
import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** The container may run as root. */
public final class RunAsRootRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO = new RuleInfo(
      "run-as-root", Severity.ERROR, Category.SECURITY,
      "The container may run as root",
      "A process running as UID 0 turns any remote-code-execution bug (a pickle load, a template"
          + " injection, a vulnerable dependency) into root in the container, one kernel bug away"
          + " from the node. Official Python images run as root unless told otherwise.",
      "Set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser` (for example 10001)"
          + " on the pod or the container, and make the app's files readable by that user.",
      """
      # fails
      securityContext: {}
      # passes
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
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
    Optional<Long> uid = c.runAsUser();
    Optional<Boolean> nonRoot = c.runAsNonRoot();
    if (uid.isPresent() && uid.get() == 0) {
      return Optional.of(finding(c.name(), "runs as root: its effective runAsUser is 0."));
    }
    if (nonRoot.orElse(false) || (uid.isPresent() && uid.get() != 0)) {
      return Optional.empty();
    }
    String why = nonRoot.isPresent()
        ? "runAsNonRoot is false and no non-zero runAsUser is set"
        : "neither runAsNonRoot: true nor a non-zero runAsUser is set (container or pod)";
    return Optional.of(finding(c.name(),
        "may run as root: " + why + ", so the image's USER decides."));
  }

  /** Sets {@code runAsNonRoot: true} and the policy's UID on the container. */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    long uid = edits.policy().runAsUser();
    for (Finding f : findings) {
      if (uid <= 0) {
        edits.cannotFix(f.container(), "the policy's runAsUser is not a non-zero UID");
        continue;
      }
      edits.setOnContainer(f.container(), "securityContext.runAsNonRoot", true);
      edits.setOnContainer(f.container(), "securityContext.runAsUser", uid);
    }
  }
}
