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

/** No memory request, and no limit for Kubernetes to default it from. */
public final class MemoryRequestMissingRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "memory-request-missing",
          Severity.WARNING,
          Category.RESOURCES,
          "No memory request",
          "The scheduler places pods by their requests. With none, the pod lands on nodes without"
              + " room for it and is the first to be evicted under memory pressure. (Kubernetes"
              + " defaults the request to the limit when only a limit is set.)",
          "Set `resources.requests.memory` to the service's steady-state usage.",
          """
      # fails
      resources: {}
      # passes
      resources:
        requests: {memory: 256Mi}
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
    return c.memoryRequest().isPresent() || c.memoryLimit().isPresent()
        ? Optional.empty()
        : Optional.of(finding(c.name(), "has no resources.requests.memory (and no limit)."));
  }
}
