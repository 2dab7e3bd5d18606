package io.pyhygiene.rules.resources;

import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.MemoryQuantity;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** The memory limit is outside the policy's bounds. */
public final class MemoryLimitOutOfBoundsRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "memory-limit-out-of-bounds",
          Severity.WARNING,
          Category.RESOURCES,
          "The memory limit is outside the policy's bounds",
          "Platform teams bound limits: too low and a Python process OOM-kills on its first large"
              + " request (the interpreter alone takes tens of MiB); too high and one pod can starve"
              + " a node. Only checked when the policy sets `memory.min` or `memory.max`.",
          "Set `resources.limits.memory` within the policy's `memory.min` and `memory.max`.",
          """
      # fails under a policy with memory.max: 2Gi
      limits: {memory: 8Gi}
      # passes
      limits: {memory: 1Gi}
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
    AuditPolicy p = ctx.policy();
    Optional<MemoryQuantity> limit = c.memoryLimit();
    if (limit.isEmpty() || limit.get().bytes().isEmpty()) {
      return Optional.empty();
    }
    long bytes = limit.get().bytes().getAsLong();
    if (p.memoryMinBytes() != null && bytes < p.memoryMinBytes()) {
      return Optional.of(
          finding(
              c.name(),
              "memory limit "
                  + limit.get().raw()
                  + " is below the policy minimum "
                  + MemoryQuantity.format(p.memoryMinBytes())
                  + "."));
    }
    if (p.memoryMaxBytes() != null && bytes > p.memoryMaxBytes()) {
      return Optional.of(
          finding(
              c.name(),
              "memory limit "
                  + limit.get().raw()
                  + " is above the policy maximum "
                  + MemoryQuantity.format(p.memoryMaxBytes())
                  + "."));
    }
    return Optional.empty();
  }
}
