package io.pyhygiene.rules.resources;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.FixableRule;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.TemplateEdits;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.MemoryQuantity;
import io.pyhygiene.workload.WorkloadView;
import java.util.List;
import java.util.Optional;

/** No memory limit. */
public final class MemoryLimitMissingRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "memory-limit-missing",
          Severity.ERROR,
          Category.RESOURCES,
          "No memory limit",
          "Without a limit a leaking or forking Python process grows until the node runs out of"
              + " memory, and the kernel's OOM killer picks victims among other pods too. With one,"
              + " only this container is OOM-killed and restarted.",
          "Set `resources.limits.memory` to what the service needs at peak (workers x per-worker"
              + " memory, plus headroom).",
          """
      # fails
      resources: {}
      # passes
      resources:
        requests: {memory: 512Mi}
        limits: {memory: 512Mi}
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
    return c.memoryLimit().isPresent()
        ? Optional.empty()
        : Optional.of(finding(c.name(), "has no resources.limits.memory."));
  }

  /**
   * Sets the policy's default limit, or the request when that is larger (a lower limit is
   * rejected).
   */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    long limit = edits.policy().memoryDefaultBytes();
    for (Finding f : findings) {
      String value = MemoryQuantity.format(limit);
      Optional<MemoryQuantity> request =
          edits.container(f.container()).orElseThrow().memoryRequest();
      if (request.isPresent() && request.get().bytes().isEmpty()) {
        edits.cannotFix(
            f.container(), "its memory request is not a quantity, so no limit can be" + " derived");
        continue;
      }
      if (request.isPresent() && request.get().bytes().getAsLong() > limit) {
        value = request.get().raw();
      }
      edits.setOnContainer(f.container(), "resources.limits.memory", value);
    }
  }
}
