package io.pyhygiene.rules.signals;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** A shell keeps PID 1 in front of the app and swallows SIGTERM. */
public final class ShellWrapperRule extends ContainerRule {

  private static final RuleInfo INFO = new RuleInfo(
      "shell-wrapper", Severity.ERROR, Category.SIGNALS,
      "A shell keeps PID 1 in front of the app, so SIGTERM never reaches it",
      "With `sh -c \"gunicorn ...\"` the shell is PID 1 and the server is its child. The kernel"
          + " gives PID 1 no default signal actions, so the shell ignores the kubelet's SIGTERM"
          + " and the app never hears it: in-flight requests are cut off by SIGKILL when the"
          + " grace period ends. dash (the /bin/sh of Debian-based Python images) never replaces"
          + " itself with the last command; bash and busybox ash do only for a final plain"
          + " command (see the measured table in DESIGN).",
      "Prefix the long-running command with `exec` (`sh -c \"cd /app && exec gunicorn app:app\"`),"
          + " or drop the shell and put the program in `command`/`args`, or run the script under"
          + " an init such as tini.",
      true,
      """
      # fails: dash keeps PID 1, gunicorn is its child
      command: ["sh", "-c", "cd /app && gunicorn app:app"]
      # passes
      command: ["sh", "-c", "cd /app && exec gunicorn app:app"]
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
    ProcessModel p = c.process();
    if (!p.shellSwallowsSigterm()) {
      return Optional.empty();
    }
    if (p.pid1() == ProcessModel.Pid1.INIT) {
      return Optional.of(finding(c.name(), "`" + p.shellProgram() + " -c` runs " + p.mainProgram()
          + " as the shell's child: " + p.shellReason() + "."));
    }
    if (w.shareProcessNamespace()) {
      // The pause container is PID 1: the shell dies of SIGTERM and its child goes with the
      // container, killed.
      return Optional.of(finding(c.name(), "`" + p.shellProgram() + " -c` runs " + p.mainProgram()
          + " as its child: " + p.shellReason() + ". SIGTERM reaches the shell, which dies"
          + " without waiting, and never " + p.mainProgram() + "."));
    }
    return Optional.of(finding(c.name(),
        "`" + p.shellProgram() + " -c` stays PID 1 and runs " + p.mainProgram()
            + " as its child: " + p.shellReason() + ". SIGTERM reaches the shell, which ignores"
            + " it as PID 1, and never " + p.mainProgram() + "."));
  }
}
