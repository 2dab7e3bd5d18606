package io.pyhygiene.rules.runtime;

import io.fabric8.kubernetes.api.model.EnvVar;
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
import io.pyhygiene.workload.process.Launcher;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Python's stdout is block-buffered. */
public final class PythonUnbufferedRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "python-unbuffered",
          Severity.WARNING,
          Category.RUNTIME,
          "Python's stdout is block-buffered, so logs are delayed and lost on a crash",
          "When stdout is a pipe (as in a container) Python buffers it in 8 KiB blocks: log lines"
              + " show up late in `kubectl logs`, out of order with stderr, and the last ones vanish"
              + " when the process is OOM-killed or SIGKILLed. `PYTHONUNBUFFERED` set to any"
              + " non-empty value (or `python -u`) turns buffering off.",
          "Set `env: [{name: PYTHONUNBUFFERED, value: \"1\"}]` on the container (or in the image).",
          """
      # fails
      env: []
      # passes
      env:
        - {name: PYTHONUNBUFFERED, value: "1"}
      """);

  @Override
  public String withImage() {
    return "Silent when the image's ENV sets `PYTHONUNBUFFERED` (official-style images often do);"
        + " the pod's env overrides it, so an empty value in the pod still fires.";
  }

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
    // python -u on the long-running program counts, behind a wrapper too; on a set-up step
    // before it (python -u manage.py migrate && ...) it does not.
    boolean dashU = c.process().app().map(Launcher::unbufferedFlag).orElse(false);
    // A terminal makes Python line-buffer stdout.
    if (env || dashU || c.tty()) {
      return Optional.empty();
    }
    String where = c.imageFacts().resolved() ? " in the pod's env or the image's ENV" : "";
    return Optional.of(
        finding(
            c.name(),
            "PYTHONUNBUFFERED is not set to a non-empty value"
                + where
                + (c.env().hasEnvFrom() ? " (envFrom sources cannot be seen here)." : ".")));
  }

  /** Adds {@code PYTHONUNBUFFERED=1} to the container's env. */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    for (Finding f : findings) {
      List<EnvVar> env = edits.container(f.container()).orElseThrow().spec().getEnv();
      long entries =
          env == null
              ? 0
              : env.stream()
                  .filter(e -> e != null && "PYTHONUNBUFFERED".equals(e.getName()))
                  .count();
      if (entries > 1) {
        // env is keyed by name in server-side apply: a duplicated key cannot be applied to.
        edits.cannotFix(f.container(), "PYTHONUNBUFFERED is listed more than once in env");
        continue;
      }
      edits.setOnContainer(
          f.container(),
          "env",
          List.of(Map.of("name", "PYTHONUNBUFFERED", "value", "1")),
          "env PYTHONUNBUFFERED=1");
    }
  }
}
