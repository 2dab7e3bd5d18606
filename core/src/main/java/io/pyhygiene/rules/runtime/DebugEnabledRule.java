package io.pyhygiene.rules.runtime;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** A debug switch is on. */
public final class DebugEnabledRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "debug-enabled",
          Severity.ERROR,
          Category.RUNTIME,
          "A debug or auto-reload switch is on",
          "Flask's and Django's debug modes show stack traces, settings and sometimes an interactive"
              + " console (Werkzeug's debugger executes code) to anyone who triggers an error."
              + " `--reload` watches the filesystem and restarts workers: slow, memory hungry, and not"
              + " meant for production.",
          "Remove `FLASK_DEBUG`/`DJANGO_DEBUG`/`DEBUG` (or set them to 0/false) and drop `--reload`"
              + " and `--debug` from the command.",
          """
      # fails
      env: [{name: FLASK_DEBUG, value: "1"}]
      command: ["uvicorn", "app:app", "--reload"]
      # passes
      env: [{name: FLASK_DEBUG, value: "0"}]
      command: ["uvicorn", "app:app"]
      """);

  private static final List<String> DEBUG_VARIABLES =
      List.of("FLASK_DEBUG", "DJANGO_DEBUG", "DEBUG");
  private static final Set<String> TRUE_VALUES = Set.of("1", "true", "yes", "on");

  @Override
  public String withImage() {
    return "Debug variables in the image's ENV and `--reload` in its CMD count; the pod's env"
        + " overrides the image's.";
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
    List<String> switches = new ArrayList<>();
    for (String name : DEBUG_VARIABLES) {
      c.env()
          .literal(name)
          .filter(v -> TRUE_VALUES.contains(v.trim().toLowerCase(Locale.ROOT)))
          .ifPresent(v -> switches.add("env " + name + " turns debug mode on"));
    }
    if (c.server().reload()) {
      String program = c.process().app().map(a -> a.kind().program()).orElse("the server");
      switches.add(program + " runs with --reload" + (program.equals("flask") ? "/--debug" : ""));
    }
    if (switches.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(finding(c.name(), String.join("; ", switches) + "."));
  }
}
