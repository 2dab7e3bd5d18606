package io.pyhygiene.rules.security;

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

/** The container may run as root. */
public final class RunAsRootRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "run-as-root",
          Severity.ERROR,
          Category.SECURITY,
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
  public String withImage() {
    return "The image's USER decides when the pod sets no `runAsUser`: root, `0` or no USER is an"
        + " error (\"runs as root\"); a numeric non-zero USER is silent; a named USER is a warning"
        + " (its UID is not known here). With `runAsNonRoot: true`, a root or named USER is an"
        + " error: the kubelet refuses to start the container. A `runAsUser` in the pod overrides"
        + " the USER either way.";
  }

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.ALL_CONTAINERS;
  }

  /**
   * Graded: an error when it is known to run as root (runAsUser 0, or the image's USER is root and
   * nothing overrides it) or known not to start (runAsNonRoot with a named image USER the kubelet
   * cannot verify); a warning when the manifest does not decide and the image is not known; silent
   * when a non-zero UID is set or the image's numeric USER is non-zero.
   */
  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    Optional<Long> uid = c.runAsUser();
    boolean nonRoot = c.runAsNonRoot().orElse(false);
    if (uid.isPresent()) {
      return uid.get() == 0
          ? Optional.of(finding(c.name(), "runs as root: its effective runAsUser is 0."))
          : Optional.empty();
    }
    Optional<String> imageUser = c.imageUser();
    if (imageUser.isEmpty()) {
      if (nonRoot) {
        return Optional.empty(); // the kubelet refuses to start it as root
      }
      String why =
          c.runAsNonRoot().isPresent()
              ? "runAsNonRoot is false and no non-zero runAsUser is set"
              : "neither runAsNonRoot: true nor a non-zero runAsUser is set (container or pod)";
      return Optional.of(
          finding(
              c.name(),
              Severity.WARNING,
              "root not ruled out: "
                  + why
                  + ", so the image's USER decides (image not resolved)."));
    }
    String user =
        imageUser.get().contains(":")
            ? imageUser.get().substring(0, imageUser.get().indexOf(':'))
            : imageUser.get();
    if (user.isEmpty() || user.equals("0") || user.equals("root")) {
      return nonRoot
          ? Optional.of(
              finding(
                  c.name(),
                  "runAsNonRoot is true but the image's USER is root and"
                      + " no runAsUser overrides it: the kubelet refuses to start the container."))
          : Optional.of(
              finding(
                  c.name(),
                  "runs as root: the image's USER is "
                      + (user.isEmpty() ? "not set (root)" : user)
                      + " and no runAsUser overrides it."));
    }
    if (user.chars().allMatch(Character::isDigit)) {
      return Optional.empty(); // a numeric non-zero USER
    }
    return nonRoot
        ? Optional.of(
            finding(
                c.name(),
                "runAsNonRoot is true but the image's USER "
                    + user
                    + " is a name, which the kubelet cannot verify as non-root: it refuses to start the"
                    + " container. Set a numeric runAsUser."))
        : Optional.of(
            finding(
                c.name(),
                Severity.WARNING,
                "runs as the image's user "
                    + user
                    + ", a name whose UID is not known here; nothing in the manifest enforces non-root."));
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
