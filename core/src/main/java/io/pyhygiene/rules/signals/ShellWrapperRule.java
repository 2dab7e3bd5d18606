package io.pyhygiene.rules.signals;

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
import io.pyhygiene.workload.process.ProcessModel;
import io.pyhygiene.workload.shell.ExecRewrite;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A shell keeps PID 1 in front of the app and swallows SIGTERM. */
public final class ShellWrapperRule extends ContainerRule implements FixableRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "shell-wrapper",
          Severity.ERROR,
          Category.SIGNALS,
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
          """
      # fails: dash keeps PID 1, gunicorn is its child
      command: ["sh", "-c", "cd /app && gunicorn app:app"]
      # passes
      command: ["sh", "-c", "cd /app && exec gunicorn app:app"]
      """);

  @Override
  public String withImage() {
    return "With no `command` in the pod, the shell is looked for in what the image runs: its"
        + " ENTRYPOINT and CMD as Kubernetes combines them with the pod's `command` and `args`. A"
        + " Dockerfile's shell-form `CMD gunicorn ...` is stored as `/bin/sh -c \"gunicorn ...\"`,"
        + " so it is caught; an exec-form `CMD [\"gunicorn\", ...]` is not a shell. The message"
        + " names the source (\"the image's CMD\"). Such a finding is not auto-fixed: the command"
        + " comes from the image.";
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
    if (!p.shellSwallowsSigterm()) {
      return Optional.empty();
    }
    String shell =
        "`" + p.shellProgram() + (p.scriptIndex() >= 0 || p.script().isPresent() ? " -c`" : "`");
    String from =
        c.commandSource() == ContainerView.CommandSource.IMAGE
                || c.commandSource() == ContainerView.CommandSource.IMAGE_ENTRYPOINT_AND_POD_ARGS
            ? " (" + c.commandSourceLabel() + ")"
            : "";
    String message;
    boolean scriptFile = p.scriptIndex() < 0 && p.script().isEmpty();
    if (scriptFile) {
      // The reason already names the shell and the file it runs.
      message =
          p.shellReason()
              + from
              + ". SIGTERM reaches "
              + p.shellProgram()
              + (p.pid1() == ProcessModel.Pid1.INIT
                  ? " through the init"
                  : ", which ignores it as" + " PID 1,")
              + " and never "
              + p.mainProgram()
              + ".";
      return Optional.of(
          finding(
                  c.name(),
                  message,
                  "End the script with `exec` before its"
                      + " long-running command (`exec gunicorn ...`), or put the program in"
                      + " `command`/`args` directly.")
              .assuming(String.join("; ", p.assumptions())));
    }
    if (p.pid1() == ProcessModel.Pid1.INIT) {
      message =
          shell
              + from
              + " runs "
              + p.mainProgram()
              + " as the shell's child: "
              + p.shellReason()
              + ".";
    } else if (w.shareProcessNamespace()) {
      // The pause container is PID 1: the shell dies of SIGTERM and its child goes with the
      // container, killed.
      message =
          shell
              + from
              + " runs "
              + p.mainProgram()
              + " as its child: "
              + p.shellReason()
              + ". SIGTERM reaches the shell, which dies without waiting, and never "
              + p.mainProgram()
              + ".";
    } else {
      message =
          shell
              + from
              + " stays PID 1 and runs "
              + p.mainProgram()
              + " as its child: "
              + p.shellReason()
              + ". SIGTERM reaches the shell, which ignores it as PID 1, and never "
              + p.mainProgram()
              + ".";
    }
    return Optional.of(finding(c.name(), message).assuming(String.join("; ", p.assumptions())));
  }

  /**
   * Puts {@code exec} before the final command of the {@code -c} script that keeps PID 1, when the
   * script is a simple chain ending with the app; it counts only when the rewritten command line
   * makes the app take over PID 1.
   */
  @Override
  public void fix(List<Finding> findings, TemplateEdits edits) {
    for (Finding f : findings) {
      ContainerView c = edits.container(f.container()).orElseThrow();
      ProcessModel before = c.process();
      if (c.commandSource() != ContainerView.CommandSource.POD_COMMAND
          && c.commandSource() != ContainerView.CommandSource.POD_ARGS) {
        edits.cannotFix(
            c.name(),
            "the shell comes from the image ("
                + c.commandSourceLabel()
                + "): set the command in the pod spec");
        continue;
      }
      int at = before.scriptIndex();
      if (at < 0 || before.script().isEmpty()) {
        edits.cannotFix(c.name(), "no -c script that keeps PID 1 was found in command or args");
        continue;
      }
      boolean inCommand = at < c.command().size();
      List<String> list = new ArrayList<>(inCommand ? c.command() : c.args());
      int index = inCommand ? at : at - c.command().size();
      ExecRewrite rewrite = ExecRewrite.of(before.script().get(), list.get(index));
      if (!rewrite.rewritten()) {
        edits.cannotFix(c.name(), rewrite.reason());
        continue;
      }
      list.set(index, rewrite.script());
      ProcessModel after =
          inCommand ? c.processWith(list, c.args()) : c.processWith(c.command(), list);
      // In a simple chain an exec'd final command replaces the shell: if the app is still its
      // child, or another program took its place, the app was not that command.
      boolean appTookOver =
          after.app().equals(before.app())
              && after.mainProgram().equals(before.mainProgram())
              && !after.shellSwallowsSigterm()
              && after.placement() != ProcessModel.Placement.CHILD_OF_SHELL;
      if (!appTookOver) {
        edits.cannotFix(c.name(), "the app is not the script's final command");
        continue;
      }
      String field = inCommand ? "command" : "args";
      edits.setOnContainer(
          c.name(), field, list, field + ": exec before the final command of the shell script");
    }
  }
}
