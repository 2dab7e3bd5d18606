package io.pyhygiene.workload.process;

import io.pyhygiene.workload.shell.ShellDialect;
import io.pyhygiene.workload.shell.ShellScript;

import io.pyhygiene.workload.shell.ShellScript.Compound;
import io.pyhygiene.workload.shell.ShellScript.Group;
import io.pyhygiene.workload.shell.ShellScript.Node;
import io.pyhygiene.workload.shell.ShellScript.Pipeline;
import io.pyhygiene.workload.shell.ShellScript.Simple;
import io.pyhygiene.workload.shell.ShellScript.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which process a container's command line makes PID 1, and where the Python launcher ends up.
 * PID 1 matters because the kernel gives it no default signal actions: SIGTERM reaches the app
 * only if PID 1 is the app (with a handler), an init that forwards it, or a shell that traps and
 * forwards it.
 *
 * @param pid1 what runs as PID 1
 * @param pid1Program the basename of the PID 1 program (for messages)
 * @param shell the dialect of the shell involved, or {@code null}
 * @param app the long-running Python launcher, if one was found
 * @param placement how the app relates to PID 1
 * @param shellReason why a shell keeps PID 1 (empty unless {@code placement == CHILD_OF_SHELL})
 * @param forwardsSignals whether a shell keeping PID 1 traps SIGTERM and waits for the app
 * @param launchers every Python launcher seen anywhere in the command line
 * @param mainProgram basename of the long-running program (the app, or the last command of a
 *     script that is not a builtin), or empty
 */
public record ProcessModel(
    Pid1 pid1,
    String pid1Program,
    ShellDialect shell,
    Optional<Launcher> app,
    Placement placement,
    String shellReason,
    boolean forwardsSignals,
    List<Launcher> launchers,
    String mainProgram) {

  public enum Pid1 {
    /** No command in the spec: the image decides. */
    UNKNOWN,
    /** tini, dumb-init or catatonit. */
    INIT,
    /** A shell stays PID 1 with the app as its child. */
    SHELL,
    /** The recognised Python launcher itself is PID 1. */
    APP,
    /** Some other program is PID 1. */
    OTHER
  }

  public enum Placement {
    /** The app is PID 1 because it is the container's command. */
    DIRECT,
    /** A shell script {@code exec}s the app, which takes over PID 1. */
    EXPLICIT_EXEC,
    /** bash or busybox ash replaced itself with the app, the script's final simple command. */
    IMPLICIT_EXEC,
    /** A shell keeps PID 1; the app is its child. */
    CHILD_OF_SHELL,
    /** An init keeps PID 1 and forwards signals to the app. */
    CHILD_OF_INIT,
    /** Another program keeps PID 1 (a project runner, an unknown wrapper). */
    CHILD_OF_OTHER,
    /** No app was found. */
    NONE
  }

  public static ProcessModel unknown() {
    return new ProcessModel(Pid1.UNKNOWN, "", null, Optional.empty(), Placement.NONE, "", false,
        List.of(), "");
  }

  /** Whether the Python interpreter itself is PID 1 running code that installs no handler. */
  public boolean pythonWithoutHandlerIsPid1() {
    return pid1 == Pid1.APP && app.isPresent() && !app.get().kind().handlesSignals();
  }

  /** Whether a shell sits in PID 1 in front of the app and does not pass SIGTERM on. */
  public boolean shellSwallowsSigterm() {
    return (pid1 == Pid1.SHELL || pid1 == Pid1.INIT) && placement == Placement.CHILD_OF_SHELL
        && !forwardsSignals;
  }

  /** The program that runs the shell script, for messages ({@code sh}, or the shell under an init). */
  public String shellProgram() {
    return pid1 == Pid1.INIT ? pid1Program + " -- " + (shell == null ? "sh" : shellName(shell))
        : pid1Program;
  }

  private static String shellName(ShellDialect d) {
    return switch (d) {
      case DASH -> "sh";
      case BASH -> "bash";
      case ASH -> "busybox sh";
    };
  }

  /**
   * Analyses the argv that Kubernetes runs.
   *
   * @param argv the effective command line
   * @param shDialect the dialect of {@code sh} for this image (ash on Alpine, else dash)
   */
  public static ProcessModel analyze(List<String> argv, ShellDialect shDialect) {
    return analyze(argv, shDialect, 0);
  }

  private static ProcessModel analyze(List<String> argv, ShellDialect shDialect, int depth) {
    if (argv == null || argv.isEmpty() || depth > 6) {
      return unknown();
    }
    List<String> cmd = argv;
    // exec wrappers (env, gosu, ddtrace-run, ...) replace themselves with their argument.
    for (int guard = 0; !cmd.isEmpty() && Programs.isExecWrapper(cmd) && guard < 8; guard++) {
      int idx = Programs.wrappedCommandIndex(cmd);
      if (idx < 0) {
        break;
      }
      cmd = cmd.subList(idx, cmd.size());
    }
    if (cmd.isEmpty()) {
      return unknown();
    }
    String program = Programs.basename(cmd.get(0));
    if (Programs.isInit(program)) {
      ProcessModel child = analyze(initChild(program, cmd), shDialect, depth + 1);
      if (child.pid1() == Pid1.SHELL && child.placement() == Placement.CHILD_OF_SHELL
          && !child.forwardsSignals()) {
        // Measured: the init signals the shell (dumb-init its whole group), the shell is not
        // PID 1 so it dies at once without waiting for its child, the init exits with it, and
        // the kernel SIGKILLs the app, mid-shutdown at best.
        return new ProcessModel(Pid1.INIT, program, child.shell(), child.app(),
            Placement.CHILD_OF_SHELL, program + " signals the shell, which exits at once without"
                + " waiting for " + child.mainProgram() + "; " + program + " exits with it and the"
                + " kernel SIGKILLs " + child.mainProgram(), false, child.launchers(),
            child.mainProgram());
      }
      return new ProcessModel(Pid1.INIT, program, child.shell(), child.app(),
          child.app().isPresent() ? Placement.CHILD_OF_INIT : Placement.NONE, "", true,
          child.launchers(), child.mainProgram());
    }
    if (Programs.isBusybox(program) && cmd.size() > 1 && Programs.isShell(cmd.get(1))) {
      return analyzeShell("busybox " + cmd.get(1), ShellDialect.ASH,
          cmd.subList(2, cmd.size()), shDialect, depth);
    }
    if (Programs.isShell(program)) {
      return analyzeShell(program, dialectOf(program, shDialect), cmd.subList(1, cmd.size()),
          shDialect, depth);
    }
    if (Programs.RUNNERS.contains(program) && cmd.size() > 2 && cmd.get(1).equals("run")) {
      ProcessModel child = analyze(skipRunnerOptions(cmd), shDialect, depth + 1);
      return new ProcessModel(Pid1.OTHER, program, null, child.app(),
          child.app().isPresent() ? Placement.CHILD_OF_OTHER : Placement.NONE, "", false,
          child.launchers(), child.mainProgram());
    }
    Optional<Launcher> launcher = Launcher.recognize(cmd);
    if (launcher.isPresent()) {
      return new ProcessModel(Pid1.APP, program, null, launcher, Placement.DIRECT, "", false,
          List.of(launcher.get()), launcher.get().describe());
    }
    return new ProcessModel(Pid1.OTHER, program, null, Optional.empty(), Placement.NONE, "",
        false, List.of(), program);
  }

  static ShellDialect dialectOf(String shell, ShellDialect shDialect) {
    return switch (shell) {
      case "bash", "zsh" -> ShellDialect.BASH;
      case "ash" -> ShellDialect.ASH;
      case "sh" -> shDialect;
      default -> ShellDialect.DASH; // dash, and shells not measured: assume no implicit exec
    };
  }

  private static List<String> initChild(String init, List<String> cmd) {
    int i = 1;
    while (i < cmd.size()) {
      String a = cmd.get(i);
      if (a.equals("--")) {
        i++;
        break;
      }
      if (!a.startsWith("-")) {
        break;
      }
      // tini -p SIG / -e CODE, dumb-init -r s:r take a value
      boolean takesValue = (init.startsWith("tini") && (a.equals("-p") || a.equals("-e")))
          || (init.equals("dumb-init") && (a.equals("-r") || a.equals("--rewrite")));
      i += takesValue ? 2 : 1;
    }
    return i < cmd.size() ? cmd.subList(i, cmd.size()) : List.of();
  }

  private static List<String> skipRunnerOptions(List<String> cmd) {
    int i = 2;
    while (i < cmd.size() && cmd.get(i).startsWith("-")) {
      i++;
    }
    return i < cmd.size() ? cmd.subList(i, cmd.size()) : List.of();
  }

  private static ProcessModel analyzeShell(String shellName, ShellDialect dialect,
      List<String> shellArgs, ShellDialect shDialect, int depth) {
    String script = null;
    List<String> positional = List.of();
    boolean commandMode = false;
    int i = 0;
    while (i < shellArgs.size()) {
      String a = shellArgs.get(i);
      if (a.equals("--") || a.equals("-")) {
        i++;
        break;
      }
      if (a.startsWith("--")) {
        i += a.equals("--rcfile") || a.equals("--init-file") ? 2 : 1;
        continue;
      }
      if ((a.startsWith("-") || a.startsWith("+")) && a.length() > 1) {
        if (a.substring(1).indexOf('c') >= 0) {
          commandMode = true;
        }
        i += a.substring(1).indexOf('o') >= 0 || a.substring(1).indexOf('O') >= 0 ? 2 : 1;
        continue;
      }
      break;
    }
    if (commandMode && i < shellArgs.size()) {
      script = shellArgs.get(i);
      positional = shellArgs.subList(i + 1, shellArgs.size());
    }
    String program = Programs.basename(shellName);
    if (script == null) {
      // "sh /entrypoint.sh": the script file is not visible in the manifest.
      return new ProcessModel(Pid1.SHELL, program, dialect, Optional.empty(), Placement.NONE, "",
          false, List.of(), "");
    }
    return new ScriptAnalysis(ShellScript.parse(script), dialect, positional, shDialect, depth)
        .result(program);
  }

  /** Where a simple command of a script sits, which decides whether it can replace the shell. */
  private record Site(
      Simple command,
      boolean mainShell,
      boolean finalPosition,
      boolean background,
      boolean piped,
      boolean negated,
      boolean inSubshell,
      boolean inBraces,
      String inCompound,
      boolean lastOfScript) {

    boolean isExec() {
      return command.name().equals("exec");
    }

    /** The command line this site runs, without a leading {@code exec} and its options. */
    List<String> argv() {
      List<String> w = command.words();
      if (!isExec()) {
        return w;
      }
      int i = 1; // exec [-cl] [-a name] [--] command
      while (i < w.size()) {
        String a = w.get(i);
        if (a.equals("--")) {
          i++;
          break;
        }
        if (!a.startsWith("-") || a.length() < 2) {
          break;
        }
        i += a.equals("-a") ? 2 : 1;
      }
      return i < w.size() ? w.subList(i, w.size()) : List.of();
    }
  }

  private static final class ScriptAnalysis {
    private final ShellDialect dialect;
    private final List<String> positional;
    private final ShellDialect shDialect;
    private final int depth;
    private final List<Site> sites = new ArrayList<>();
    private final List<Simple> all;

    ScriptAnalysis(ShellScript script, ShellDialect dialect, List<String> positional,
        ShellDialect shDialect, int depth) {
      this.dialect = dialect;
      this.positional = positional;
      this.shDialect = shDialect;
      this.depth = depth;
      this.all = script.allCommands();
      walk(script.statements(), true, dialect.execsFinalCommand(), false, false, "", true);
    }

    private void walk(List<Statement> statements, boolean main, boolean finalEligible,
        boolean inSubshell, boolean inBraces, String inCompound, boolean topLevel) {
      for (int s = 0; s < statements.size(); s++) {
        Statement st = statements.get(s);
        boolean lastStatement = s == statements.size() - 1;
        List<Pipeline> pipelines = st.body().pipelines();
        for (int p = 0; p < pipelines.size(); p++) {
          Pipeline pipe = pipelines.get(p);
          boolean single = pipe.commands().size() == 1;
          boolean finalHere = finalEligible && lastStatement && p == pipelines.size() - 1
              && !st.background() && single && !pipe.negated();
          boolean mainHere = main && !st.background() && single;
          boolean lastOfScript = topLevel && lastStatement && p == pipelines.size() - 1;
          for (Node node : pipe.commands()) {
            visit(node, mainHere, finalHere, st.background(), !single, pipe.negated(),
                inSubshell, inBraces, inCompound, lastOfScript);
          }
        }
      }
    }

    private void visit(Node node, boolean main, boolean finalHere, boolean background,
        boolean piped, boolean negated, boolean inSubshell, boolean inBraces, String inCompound,
        boolean lastOfScript) {
      if (node instanceof Simple simple) {
        if (simple.isEmpty()) {
          return;
        }
        // bash does not exec a redirected command or one inside a group or compound command.
        boolean fin = finalHere && (dialect == ShellDialect.ASH
            || (!simple.redirected() && !inSubshell && !inBraces && inCompound.isEmpty()));
        sites.add(new Site(simple, main, fin, background, piped, negated, inSubshell, inBraces,
            inCompound, lastOfScript));
      } else if (node instanceof Group g) {
        // busybox ash runs a final subshell in its own process (measured); other subshells fork.
        boolean subshellForks = g.subshell() && !(dialect == ShellDialect.ASH && finalHere);
        walk(g.body(), main && !subshellForks, finalHere, inSubshell || g.subshell(),
            inBraces || !g.subshell(), inCompound, lastOfScript);
      } else if (node instanceof Compound c) {
        List<Simple> cmds = c.commands();
        for (int k = 0; k < cmds.size(); k++) {
          boolean last = k == cmds.size() - 1;
          boolean fin = finalHere && last && dialect == ShellDialect.ASH && !c.isLoop()
              && !c.isFunction();
          sites.add(new Site(cmds.get(k), main && !c.isFunction(), fin, background, piped,
              negated, inSubshell, inBraces, c.keyword(), lastOfScript && last));
        }
      }
    }

    ProcessModel result(String shellProgram) {
      List<Launcher> launchers = new ArrayList<>();
      Site appSite = null;
      Launcher app = null;
      Site lastLongRunning = null;
      for (Site site : sites) {
        List<String> argv = expandPositional(site.argv());
        if (argv.isEmpty()) {
          continue;
        }
        ProcessModel inner = analyze(argv, shDialect, depth + 1);
        launchers.addAll(inner.launchers());
        if (inner.app().isPresent()) {
          appSite = site;
          app = inner.app().get();
        }
        if (!Programs.NOT_LONG_RUNNING.contains(Programs.basename(argv.get(0)))) {
          lastLongRunning = site;
        }
      }
      Site target = appSite != null ? appSite : lastLongRunning;
      boolean traps = all.stream().anyMatch(c -> c.name().equals("trap"));
      if (target == null) {
        return new ProcessModel(Pid1.SHELL, shellProgram, dialect, Optional.empty(),
            Placement.NONE, "", false, List.copyOf(launchers), "");
      }
      List<String> argv = expandPositional(target.argv());
      if (argv.isEmpty()) {
        return new ProcessModel(Pid1.SHELL, shellProgram, dialect, Optional.empty(),
            Placement.NONE, "", false, List.copyOf(launchers), "");
      }
      boolean explicitExec = target.isExec() && target.mainShell();
      boolean implicitExec = !target.isExec() && target.finalPosition() && !traps;
      if (explicitExec || implicitExec) {
        ProcessModel inner = analyze(argv, shDialect, depth + 1);
        Placement placement = inner.pid1() == Pid1.APP
            ? (explicitExec ? Placement.EXPLICIT_EXEC : Placement.IMPLICIT_EXEC)
            : inner.placement();
        return new ProcessModel(inner.pid1(), inner.pid1Program(),
            inner.shell() != null ? inner.shell() : dialect, inner.app(), placement,
            inner.shellReason(), inner.forwardsSignals(), List.copyOf(launchers),
            inner.mainProgram());
      }
      String main = app != null ? app.describe() : Programs.basename(argv.get(0));
      return new ProcessModel(Pid1.SHELL, shellProgram, dialect, Optional.ofNullable(app),
          Placement.CHILD_OF_SHELL, reason(target, traps), forwardsSigterm(),
          List.copyOf(launchers), main);
    }

    private List<String> expandPositional(List<String> words) {
      List<String> out = new ArrayList<>(words.size());
      for (String w : words) {
        if (w.equals("$@") || w.equals("$*")) {
          if (!positional.isEmpty()) {
            out.addAll(positional.subList(1, positional.size())); // $0 is positional[0]
          }
        } else if (w.length() == 2 && w.charAt(0) == '$' && Character.isDigit(w.charAt(1))) {
          int n = w.charAt(1) - '0';
          if (n < positional.size()) {
            out.add(positional.get(n));
          }
        } else {
          out.add(w);
        }
      }
      return out;
    }

    /**
     * A shell that keeps PID 1 still passes SIGTERM on when it traps TERM, kills the child, and
     * waits for it again; with a single {@code wait} the trap interrupts it, the shell exits and
     * the kernel SIGKILLs the app (measured: see ShellPid1GroundTruthTest).
     */
    private boolean forwardsSigterm() {
      return termTrap(true);
    }

    /** A TERM trap that kills the child, waiting for it again when {@code mustWait}. */
    private boolean termTrap(boolean mustWait) {
      long waits = sites.stream().filter(s -> s.command().name().equals("wait")).count();
      for (Simple c : all) {
        List<String> w = c.words();
        if (!c.name().equals("trap") || w.size() < 3) {
          continue;
        }
        String action = w.get(1);
        boolean term = w.subList(2, w.size()).stream()
            .map(sig -> sig.toUpperCase(Locale.ROOT))
            .anyMatch(sig -> sig.equals("TERM") || sig.equals("SIGTERM") || sig.equals("15"));
        if (term && action.contains("kill")
            && (!mustWait || action.contains("wait") || waits >= 2)) {
          return true;
        }
      }
      return false;
    }

    private String reason(Site site, boolean traps) {
      String sh = dialect.label();
      if (termTrap(false)) {
        return "its TERM trap kills the app but the shell does not wait for it again: the shell"
            + " exits at once and the kernel SIGKILLs the app";
      }
      if (site.background()) {
        return "it runs in the background (&), so the shell stays PID 1";
      }
      if (site.piped()) {
        return "it is part of a pipeline, which the shell forks";
      }
      if (site.isExec()) {
        return "its exec runs in a subshell, not in the PID 1 shell";
      }
      if (dialect == ShellDialect.DASH) {
        return sh + " (the /bin/sh of Debian-based images) never replaces itself with the last"
            + " command unless it is prefixed with exec";
      }
      if (site.negated()) {
        return "it is negated with !, so " + sh + " waits for its status";
      }
      if (traps) {
        return "the script sets a trap, so " + sh + " stays to run it";
      }
      if (!site.lastOfScript()) {
        return "more commands follow it, so " + sh + " waits for it";
      }
      if (dialect == ShellDialect.BASH && site.inSubshell()) {
        return "it runs in a ( subshell ), which bash forks";
      }
      if (dialect == ShellDialect.BASH && site.inBraces()) {
        return "bash does not exec a command inside { braces }";
      }
      if (dialect == ShellDialect.BASH && !site.inCompound().isEmpty()) {
        return "bash does not exec a command inside " + site.inCompound() + " ... ";
      }
      if (dialect == ShellDialect.BASH && site.command().redirected()) {
        return "bash does not exec a command that has redirections";
      }
      if (!site.inCompound().isEmpty()) {
        return "it runs inside a " + site.inCompound() + " loop";
      }
      return sh + " keeps PID 1 while it runs";
    }
  }
}
