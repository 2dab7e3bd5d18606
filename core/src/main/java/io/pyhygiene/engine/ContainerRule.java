package io.pyhygiene.engine;

import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A rule evaluated container by container. Python-specific rules look only at the containers
 * detected as Python; security and resource rules look at every container of a Python service.
 */
public abstract class ContainerRule implements Rule {

  /** Which containers the rule looks at. */
  protected enum Scope {
    PYTHON_CONTAINERS,
    ALL_CONTAINERS
  }

  protected abstract Scope scope();

  /** Whether it looks only at containers detected as Python (not at every container). */
  public final boolean pythonContainersOnly() {
    return scope() == Scope.PYTHON_CONTAINERS;
  }

  /** The violation in this container, if any. */
  protected abstract Optional<Finding> check(
      ContainerView container, WorkloadView workload, RuleContext context);

  @Override
  public final List<Finding> check(WorkloadView workload, RuleContext context) {
    List<ContainerView> containers =
        scope() == Scope.PYTHON_CONTAINERS ? workload.pythonContainers() : workload.containers();
    List<Finding> out = new ArrayList<>();
    for (ContainerView c : containers) {
      check(c, workload, context).ifPresent(out::add);
    }
    return out;
  }
}
