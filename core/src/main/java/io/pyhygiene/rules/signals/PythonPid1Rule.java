package io.pyhygiene.rules.signals;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import io.pyhygiene.workload.process.Launcher;
import io.pyhygiene.workload.process.ProcessModel;
import java.util.Optional;

/** The Python interpreter is PID 1 running code that installs no SIGTERM handler. */
public final class PythonPid1Rule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "python-pid1",
          Severity.WARNING,
          Category.SIGNALS,
          "The Python interpreter is PID 1 without an init",
          "PID 1 has no default signal actions: SIGTERM is delivered but does nothing unless the"
              + " program installs a handler. Python installs none for SIGTERM, so `python app.py`"
              + " as PID 1 ignores the kubelet's SIGTERM and is SIGKILLed when the grace period ends,"
              + " with no cleanup. Known servers (gunicorn, uvicorn, hypercorn, daphne, granian,"
              + " celery) install their own handlers and are not affected.",
          "Run the interpreter under an init that forwards signals (`command: [\"tini\", \"--\","
              + " \"python\", \"app.py\"]` or dumb-init), or set `shareProcessNamespace: true`, or"
              + " install a SIGTERM handler in the program and exempt this rule with a reason.",
          """
      # fails: python is PID 1 and ignores SIGTERM
      command: ["python", "worker.py"]
      # passes
      command: ["tini", "--", "python", "worker.py"]
      """);

  @Override
  public String withImage() {
    return "The interpreter is also found in the image's ENTRYPOINT and CMD (combined with the"
        + " pod's `command`/`args` as Kubernetes does), and an init in the image's ENTRYPOINT"
        + " (tini, dumb-init) counts, so a Dockerfile with `ENTRYPOINT [\"tini\", \"--\"]` passes."
        + " The message names the source (\"from the image's CMD\").";
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
    ProcessModel p = c.process();
    if (!p.pythonWithoutHandlerIsPid1() || w.shareProcessNamespace()) {
      return Optional.empty();
    }
    Launcher app = p.app().orElseThrow();
    String how =
        switch (p.placement()) {
          case IMPLICIT_EXEC -> " (" + p.shell().label() + " replaced itself with it)";
          case EXPLICIT_EXEC -> " (the shell execs it)";
          default -> "";
        };
    String from =
        c.commandSource() == ContainerView.CommandSource.IMAGE
                || c.commandSource() == ContainerView.CommandSource.IMAGE_ENTRYPOINT_AND_POD_ARGS
            ? ", from " + c.commandSourceLabel()
            : "";
    String what =
        switch (app.kind()) {
          case WAITRESS ->
              " with no init: waitress installs no SIGTERM handler, so as PID 1 it"
                  + " keeps serving after SIGTERM (measured) and is SIGKILLed after the grace period.";
          case FLASK ->
              " with no init: Flask's development server installs no SIGTERM handler, so"
                  + " SIGTERM is ignored and the pod is SIGKILLed after the grace period.";
          default ->
              app.isDjangoManage() && app.djangoCommand().equals("runserver")
                  ? " with no init: Django's development server installs no SIGTERM handler, so SIGTERM"
                      + " is ignored and the pod is SIGKILLed after the grace period."
                  : " with no init: unless the code installs a SIGTERM handler, SIGTERM is ignored and"
                      + " the pod is SIGKILLed after the grace period.";
        };
    return Optional.of(
        finding(c.name(), "`" + app.describe() + "` runs as PID 1" + how + from + what)
            .assuming(String.join("; ", p.assumptions())));
  }
}
