package io.pyhygiene.rules.resources;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** No memory limit. */
public final class MemoryLimitMissingRule extends ContainerRule {

  private static final RuleInfo INFO = new RuleInfo(
      "memory-limit-missing", Severity.ERROR, Category.RESOURCES,
      "No memory limit",
      "Without a limit a leaking or forking Python process grows until the node runs out of"
          + " memory, and the kernel's OOM killer picks victims among other pods too. With one,"
          + " only this container is OOM-killed and restarted.",
      "Set `resources.limits.memory` to what the service needs at peak (workers x per-worker"
          + " memory, plus headroom).",
      true,
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
}
