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

/** capabilities.drop does not include ALL. */
public final class CapabilitiesNotDroppedRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "capabilities-not-dropped",
          Severity.WARNING,
          Category.SECURITY,
          "Linux capabilities are not all dropped",
          "Containers start with a default set of capabilities (NET_RAW, CHOWN, SETUID, ...) that a"
              + " Python service does not use and an attacker can. Dropping them one by one misses"
              + " the ones added by the next runtime version; only `ALL` is complete.",
          "Set `securityContext.capabilities.drop: [\"ALL\"]` and add back only what is needed"
              + " (for example `NET_BIND_SERVICE` to bind a port below 1024).",
          """
      # fails
      securityContext:
        capabilities:
          drop: ["NET_RAW"]
      # passes
      securityContext:
        capabilities:
          drop: ["ALL"]
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
    // Container runtimes compare capability names case-insensitively.
    boolean all = c.capabilitiesDropped().stream().anyMatch(cap -> cap.equalsIgnoreCase("ALL"));
    if (all) {
      return Optional.empty();
    }
    return Optional.of(
        finding(
            c.name(),
            c.capabilitiesDropped().isEmpty()
                ? "drops no capabilities."
                : "drops only " + String.join(", ", c.capabilitiesDropped()) + ", not ALL."));
  }

  /** Drops ALL capabilities. */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    for (Finding f : findings) {
      edits.setOnContainer(
          f.container(),
          "securityContext.capabilities.drop",
          List.of("ALL"),
          "securityContext.capabilities.drop=[ALL]");
    }
  }
}
