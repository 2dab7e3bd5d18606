package io.pyhygiene.rules.runtime;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.process.Launcher;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** Python's stdout is block-buffered. */
public final class PythonUnbufferedRule extends ContainerRule {

  private static final RuleInfo INFO = new RuleInfo(
      "python-unbuffered", Severity.WARNING, Category.RUNTIME,
      "Python's stdout is block-buffered, so logs are delayed and lost on a crash",
      "When stdout is a pipe (as in a container) Python buffers it in 8 KiB blocks: log lines"
          + " show up late in `kubectl logs`, out of order with stderr, and the last ones vanish"
          + " when the process is OOM-killed or SIGKILLed. `PYTHONUNBUFFERED` set to any"
          + " non-empty value (or `python -u`) turns buffering off.",
      "Set `env: [{name: PYTHONUNBUFFERED, value: \"1\"}]` on the container (or in the image).",
      true,
      """
      # fails
      env: []
      # passes
      env:
        - {name: PYTHONUNBUFFERED, value: "1"}
      """);

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.PYTHON_CONTAINERS;
  }

  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    boolean env = c.env().get("PYTHONUNBUFFERED").map(v -> v.isSetNonEmpty()).orElse(false);
    boolean dashU = c.process().app().map(Launcher::unbufferedFlag).orElse(false);
    if (env || dashU) {
      return Optional.empty();
    }
    return Optional.of(finding(c.name(), "PYTHONUNBUFFERED is not set to a non-empty value"
        + (c.env().hasEnvFrom() ? " in env (envFrom sources cannot be seen here)." : ".")));
  }
}
