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
 * Which process a container's command line makes PID 1, and where the Python launcher ends up. PID
 * 1 matters because the kernel gives it no default signal actions: SIGTERM reaches the app only if
 * PID 1 is the app (with a handler), an init that forwards it, or a shell that traps and forwards
 * it. Built only by {@link #analyze}; every part has a named accessor.
 */
public final class ProcessModel {

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

  private final Pid1 pid1;
  private final String pid1Program;
  private final ShellDialect shell;
  private final Optional<Launcher> app;
  private final Placement placement;
  private final String shellReason;
  private final boolean forwardsSignals;
  private final List<Launcher> launchers;
  private final String mainProgram;
  private final int scriptIndex;
  private final ShellScript script;
  private final List<String> programs;
  private final List<String> assumptions;

  private ProcessModel(Builder b) {
    this.pid1 = b.pid1;
    this.pid1Program = b.pid1Program;
    this.shell = b.shell;
    this.app = b.app;
    this.placement = b.placement;
    this.shellReason = b.shellReason;
    this.forwardsSignals = b.forwardsSignals;
    this.launchers = List.copyOf(b.launchers);
    this.mainProgram = b.mainProgram;
    this.scriptIndex = b.scriptIndex;
    this.script = b.script;
    this.programs = List.copyOf(new java.util.LinkedHashSet<>(b.programs));
    this.assumptions = List.copyOf(new java.util.LinkedHashSet<>(b.assumptions));
  }

  /** Basenames of every program the command line runs, scripts included (for recognition). */
  public List<String> programs() {
    return programs;
  }

  /**
   * What this model takes for granted that the manifest does not show, such as {@code /entrypoint
   * ends in exec "$@"}; findings that depend on it say so.
   */
  public List<String> assumptions() {
    return assumptions;
  }

  /** What runs as PID 1. */
  public Pid1 pid1() {
    return pid1;
  }

  /** The basename of the PID 1 program (for messages). */
  public String pid1Program() {
    return pid1Program;
  }

  /** The dialect of the shell involved, or {@code null}. */
  public ShellDialect shell() {
    return shell;
  }

  /** The long-running Python launcher, if one was found. */
  public Optional<Launcher> app() {
    return app;
  }

  /** How the app relates to PID 1. */
  public Placement placement() {
    return placement;
  }

  /** Why a shell keeps PID 1 (empty unless {@code placement == CHILD_OF_SHELL}). */
  public String shellReason() {
    return shellReason;
  }

  /** Whether a shell keeping PID 1 traps SIGTERM, passes it on and waits for the app. */
  public boolean forwardsSignals() {
    return forwardsSignals;
  }

  /** Every Python launcher seen anywhere in the command line. */
  public List<Launcher> launchers() {
    return launchers;
  }

  /**
   * Basename of the long-running program (the app, or the last command of a script that is not a
   * builtin), or empty.
   */
  public String mainProgram() {
    return mainProgram;
  }

  /**
   * Where, in the analysed argv, the {@code -c} script of the shell that decides PID 1 is, or -1
   * (no such script, or it came from inside another script).
   */
  public int scriptIndex() {
    return scriptIndex;
  }

  /** That script, parsed; present exactly when {@link #scriptIndex()} is not -1. */
  public Optional<ShellScript> script() {
    return scriptIndex < 0 ? Optional.empty() : Optional.ofNullable(script);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProcessModel p
        && pid1 == p.pid1
        && pid1Program.equals(p.pid1Program)
        && shell == p.shell
        && app.equals(p.app)
        && placement == p.placement
        && shellReason.equals(p.shellReason)
        && forwardsSignals == p.forwardsSignals
        && launchers.equals(p.launchers)
        && mainProgram.equals(p.mainProgram)
        && scriptIndex == p.scriptIndex;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(pid1, pid1Program, shell, app, placement, mainProgram);
  }

  @Override
  public String toString() {
    return "ProcessModel[pid1="
        + pid1
        + " "
        + pid1Program
        + ", app="
        + app.map(Launcher::describe).orElse("-")
        + ", placement="
        + placement
        + "]";
  }

  private Builder toBuilder() {
    Builder b =
        new Builder(pid1, pid1Program)
            .shell(shell)
            .app(app, placement)
            .keepsPid1Because(shellReason, forwardsSignals)
            .launchers(launchers)
            .main(mainProgram)
            .programs(programs)
            .assume(assumptions);
    return b.script(scriptIndex, script);
  }

  private static Builder pid1(Pid1 pid1, String program) {
    return new Builder(pid1, program);
  }

  /** Names every part of a model as it is built; unset parts keep their neutral defaults. */
  private static final class Builder {
    private final Pid1 pid1;
    private final String pid1Program;
    private ShellDialect shell;
    private Optional<Launcher> app = Optional.empty();
    private Placement placement = Placement.NONE;
    private String shellReason = "";
    private boolean forwardsSignals;
    private List<Launcher> launchers = List.of();
    private String mainProgram = "";
    private int scriptIndex = -1;
    private ShellScript script;
    private final List<String> programs = new ArrayList<>();
    private final List<String> assumptions = new ArrayList<>();

    private Builder(Pid1 pid1, String pid1Program) {
      this.pid1 = pid1;
      this.pid1Program = pid1Program;
    }

    Builder shell(ShellDialect dialect) {
      this.shell = dialect;
      return this;
    }

    Builder app(Optional<Launcher> launcher, Placement placement) {
      this.app = launcher;
      this.placement = placement;
      return this;
    }

    Builder placement(Placement placement) {
      this.placement = placement;
      return this;
    }

    Builder keepsPid1Because(String reason, boolean forwardsSignals) {
      this.shellReason = reason;
      this.forwardsSignals = forwardsSignals;
      return this;
    }

    Builder launchers(List<Launcher> launchers) {
      this.launchers = launchers;
      return this;
    }

    Builder main(String program) {
      this.mainProgram = program;
      return this;
    }

    Builder script(int index, ShellScript parsed) {
      this.scriptIndex = index;
      this.script = parsed;
      return this;
    }

    Builder programs(List<String> names) {
      names.forEach(n -> programs.add(Programs.basename(n)));
      return this;
    }

    Builder assume(List<String> conditions) {
      assumptions.addAll(conditions);
      return this;
    }

    ProcessModel build() {
      return new ProcessModel(this);
    }
  }

  public static ProcessModel unknown() {
    return pid1(Pid1.UNKNOWN, "").build();
  }

  /** Whether the Python program itself is PID 1 and installs no SIGTERM handler. */
  public boolean pythonWithoutHandlerIsPid1() {
    return pid1 == Pid1.APP
        && app.isPresent()
        && app.get().sigterm() == LauncherKind.Sigterm.NO_HANDLER;
  }

  /** Whether the app is uWSGI, which SIGTERM reloads instead of stopping (no die-on-term). */
  public boolean appReloadsOnSigterm() {
    return app.isPresent() && app.get().sigterm() == LauncherKind.Sigterm.RELOADS;
  }

  /** Whether a shell sits in PID 1 in front of the app and does not pass SIGTERM on. */
  public boolean shellSwallowsSigterm() {
    return (pid1 == Pid1.SHELL || pid1 == Pid1.INIT)
        && placement == Placement.CHILD_OF_SHELL
        && !forwardsSignals;
  }

  /**
   * The program that runs the shell script, for messages ({@code sh}, or the shell under an init).
   */
  public String shellProgram() {
    return pid1 == Pid1.INIT
        ? pid1Program + " -- " + (shell == null ? "sh" : shellName(shell))
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
    return analyze(argv, shDialect, java.util.Map.of());
  }

  /**
   * Analyses the argv with the contents of script files the container is known to have (mounted
   * from ConfigMaps in the input), by absolute path.
   */
  public static ProcessModel analyze(
      List<String> argv, ShellDialect shDialect, java.util.Map<String, String> scriptFiles) {
    return analyze(argv, new Ctx(shDialect, scriptFiles), 0, 0);
  }

  /** What every step of one analysis shares: the image's /bin/sh and the known script files. */
  private record Ctx(ShellDialect sh, java.util.Map<String, String> files) {
    Optional<String> file(String path) {
      return Optional.ofNullable(files.get(path));
    }
  }

  /**
   * @param offset where {@code argv} starts in the top-level command line, or -1 when it comes from
   *     inside a script (then no script index is recorded)
   */
  private static ProcessModel analyze(List<String> argv, Ctx ctx, int depth, int offset) {
    if (argv == null || argv.isEmpty() || depth > 6) {
      return unknown();
    }
    List<String> cmd = argv;
    int at = offset;
    List<String> wrappers = new ArrayList<>();
    // exec wrappers (env, gosu, ddtrace-run, ...) replace themselves with their argument.
    for (int guard = 0; !cmd.isEmpty() && Programs.isExecWrapper(cmd) && guard < 8; guard++) {
      int idx = Programs.wrappedCommandIndex(cmd);
      if (idx < 0) {
        break;
      }
      wrappers.add(cmd.get(0));
      cmd = cmd.subList(idx, cmd.size());
      at = shift(at, idx);
    }
    if (cmd.isEmpty()) {
      return unknown();
    }
    ProcessModel analysed = analyzeUnwrapped(cmd, ctx, depth, at);
    return wrappers.isEmpty() ? analysed : analysed.toBuilder().programs(wrappers).build();
  }

  private static ProcessModel analyzeUnwrapped(List<String> cmd, Ctx ctx, int depth, int at) {
    String program = Programs.basename(cmd.get(0));
    if (Programs.isInit(program)) {
      List<String> childArgv = initChild(program, cmd);
      ProcessModel child =
          analyze(childArgv, ctx, depth + 1, shift(at, cmd.size() - childArgv.size()));
      Builder init =
          pid1(Pid1.INIT, program)
              .shell(child.shell())
              .launchers(child.launchers())
              .main(child.mainProgram())
              .script(child.scriptIndex, child.script)
              .programs(List.of(program))
              .programs(child.programs)
              .assume(child.assumptions);
      if (child.pid1() == Pid1.SHELL
          && child.placement() == Placement.CHILD_OF_SHELL
          && !child.forwardsSignals()) {
        // Measured: the init signals the shell (dumb-init its whole group), the shell is not
        // PID 1 so it dies at once without waiting for its child, the init exits with it, and
        // the kernel SIGKILLs the app, mid-shutdown at best.
        return init.app(child.app(), Placement.CHILD_OF_SHELL)
            .keepsPid1Because(
                program
                    + " signals the shell, which exits at once without"
                    + " waiting for "
                    + child.mainProgram()
                    + "; "
                    + program
                    + " exits with it and the"
                    + " kernel SIGKILLs "
                    + child.mainProgram(),
                false)
            .build();
      }
      return init.app(
              child.app(), child.app().isPresent() ? Placement.CHILD_OF_INIT : Placement.NONE)
          .keepsPid1Because("", true)
          .build();
    }
    if (Programs.isBusybox(program) && cmd.size() > 1 && Programs.isShell(cmd.get(1))) {
      return analyzeShell(
          "busybox " + cmd.get(1),
          ShellDialect.ASH,
          cmd.subList(2, cmd.size()),
          ctx,
          depth,
          shift(at, 2));
    }
    if (Programs.isShell(program)) {
      return analyzeShell(
          program,
          dialectOf(program, ctx.sh()),
          cmd.subList(1, cmd.size()),
          ctx,
          depth,
          shift(at, 1));
    }
    Optional<String> file = ctx.file(cmd.get(0));
    if (file.isPresent()) {
      // An executable script whose body is known (mounted from a ConfigMap): its shebang's
      // shell runs it as a script file.
      String interpreter = Programs.shebangInterpreter(file.get());
      if (Programs.isPythonInterpreter(interpreter)) {
        List<String> python = new ArrayList<>(List.of(interpreter));
        python.addAll(cmd);
        return analyzeUnwrapped(python, ctx, depth, -1);
      }
      String shell = Programs.SHELLS.contains(interpreter) ? interpreter : "sh";
      return scriptFile(
          shell,
          dialectOf(shell, ctx.sh()),
          cmd.get(0),
          file.get(),
          cmd.subList(1, cmd.size()),
          ctx,
          depth);
    }
    if (Programs.isEntrypointScript(program) && cmd.size() > 1) {
      // Entry-point scripts by convention end in exec "$@": seen through, with that stated.
      ProcessModel child = analyze(cmd.subList(1, cmd.size()), ctx, depth + 1, shift(at, 1));
      return child.toBuilder()
          .programs(List.of(program))
          .assume(List.of(cmd.get(0) + " ends in exec \"$@\""))
          .build();
    }
    if (Programs.RUNNERS.contains(program) && cmd.size() > 2 && cmd.get(1).equals("run")) {
      List<String> childArgv = skipRunnerOptions(cmd);
      ProcessModel child =
          analyze(childArgv, ctx, depth + 1, shift(at, cmd.size() - childArgv.size()));
      return pid1(Pid1.OTHER, program)
          .app(child.app(), child.app().isPresent() ? Placement.CHILD_OF_OTHER : Placement.NONE)
          .launchers(child.launchers())
          .main(child.mainProgram())
          .programs(List.of(program))
          .programs(child.programs)
          .assume(child.assumptions)
          .build();
    }
    Optional<Launcher> launcher = Launcher.recognize(cmd);
    if (launcher.isPresent()) {
      return pid1(Pid1.APP, program)
          .app(launcher, Placement.DIRECT)
          .launchers(List.of(launcher.get()))
          .main(launcher.get().describe())
          .programs(List.of(program))
          .build();
    }
    return pid1(Pid1.OTHER, program).main(program).programs(List.of(program)).build();
  }

  /** The offset {@code by} words further on; stays unknown (-1) once unknown. */
  private static int shift(int offset, int by) {
    return offset < 0 ? -1 : offset + by;
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
      boolean takesValue =
          (init.startsWith("tini") && (a.equals("-p") || a.equals("-e")))
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

  private static ProcessModel analyzeShell(
      String shellName,
      ShellDialect dialect,
      List<String> shellArgs,
      Ctx ctx,
      int depth,
      int offset) {
    String script = null;
    int scriptAt = -1;
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
      scriptAt = shift(offset, i);
      positional = shellArgs.subList(i + 1, shellArgs.size());
    }
    String program = Programs.basename(shellName);
    if (script == null) {
      if (commandMode || i >= shellArgs.size()) {
        return pid1(Pid1.SHELL, program).shell(dialect).programs(List.of(program)).build();
      }
      // "sh start.sh": a script file.
      String path = shellArgs.get(i);
      return scriptFile(
          program,
          dialect,
          path,
          ctx.file(path).orElse(null),
          shellArgs.subList(i + 1, shellArgs.size()),
          ctx,
          depth);
    }
    ShellScript parsed = ShellScript.parse(script);
    ProcessModel result =
        new ScriptAnalysis(parsed, dialect, positional, ctx, depth, "").result(program);
    // The script decides PID 1 unless it exec'd something that itself holds another script.
    return result.scriptIndex >= 0 || result.pid1 == Pid1.INIT
        ? result
        : result.toBuilder().script(scriptAt, parsed).programs(List.of(program)).build();
  }

  /**
   * A shell running a script file. Measured: bash, dash and busybox ash alike keep PID 1 while a
   * script file runs, exec'ing nothing by themselves. With the body unknown, the shell is taken to
   * keep PID 1 unless the file ends in exec, and that is stated.
   */
  private static ProcessModel scriptFile(
      String shell,
      ShellDialect dialect,
      String path,
      String body,
      List<String> args,
      Ctx ctx,
      int depth) {
    String name = Programs.basename(path);
    if (body == null) {
      return pid1(Pid1.SHELL, shell)
          .shell(dialect)
          .app(Optional.empty(), Placement.CHILD_OF_SHELL)
          .keepsPid1Because(
              shell
                  + " runs the script file "
                  + name
                  + " and stays PID 1 while it"
                  + " runs: a shell running a script file does not replace itself with its last"
                  + " command (measured)",
              false)
          .main("the script's commands")
          .programs(List.of(shell, path))
          .assume(List.of(name + " does not end in exec"))
          .build();
    }
    List<String> positional = new ArrayList<>();
    positional.add(path);
    positional.addAll(args);
    return new ScriptAnalysis(ShellScript.parse(body), dialect, positional, ctx, depth, name)
        .result(shell).toBuilder().programs(List.of(shell)).build();
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
    private final Ctx ctx;
    private final int depth;

    /** The script file's name, or empty for a {@code -c} script. */
    private final String file;

    private final List<Site> sites = new ArrayList<>();
    private final List<Simple> all;

    ScriptAnalysis(
        ShellScript script,
        ShellDialect dialect,
        List<String> positional,
        Ctx ctx,
        int depth,
        String file) {
      this.dialect = dialect;
      this.positional = positional;
      this.ctx = ctx;
      this.depth = depth;
      this.file = file;
      this.all = script.allCommands();
      // A script file's last command is never exec'd implicitly (measured for bash, dash, ash).
      walk(
          script.statements(),
          true,
          file.isEmpty() && dialect.execsFinalCommand(),
          false,
          false,
          "",
          true);
    }

    private void walk(
        List<Statement> statements,
        boolean main,
        boolean finalEligible,
        boolean inSubshell,
        boolean inBraces,
        String inCompound,
        boolean topLevel) {
      for (int s = 0; s < statements.size(); s++) {
        Statement st = statements.get(s);
        boolean lastStatement = s == statements.size() - 1;
        List<Pipeline> pipelines = st.body().pipelines();
        for (int p = 0; p < pipelines.size(); p++) {
          Pipeline pipe = pipelines.get(p);
          boolean single = pipe.commands().size() == 1;
          boolean finalHere =
              finalEligible
                  && lastStatement
                  && p == pipelines.size() - 1
                  && !st.background()
                  && single
                  && !pipe.negated();
          boolean mainHere = main && !st.background() && single;
          boolean lastOfScript = topLevel && lastStatement && p == pipelines.size() - 1;
          for (Node node : pipe.commands()) {
            visit(
                node,
                mainHere,
                finalHere,
                st.background(),
                !single,
                pipe.negated(),
                inSubshell,
                inBraces,
                inCompound,
                lastOfScript);
          }
        }
      }
    }

    private void visit(
        Node node,
        boolean main,
        boolean finalHere,
        boolean background,
        boolean piped,
        boolean negated,
        boolean inSubshell,
        boolean inBraces,
        String inCompound,
        boolean lastOfScript) {
      if (node instanceof Simple simple) {
        if (simple.isEmpty()) {
          return;
        }
        // bash does not exec a redirected command or one inside a group or compound command.
        boolean fin =
            finalHere
                && (dialect == ShellDialect.ASH
                    || (!simple.redirected() && !inSubshell && !inBraces && inCompound.isEmpty()));
        sites.add(
            new Site(
                simple,
                main,
                fin,
                background,
                piped,
                negated,
                inSubshell,
                inBraces,
                inCompound,
                lastOfScript));
      } else if (node instanceof Group g) {
        // busybox ash runs a final subshell in its own process (measured); other subshells fork.
        boolean subshellForks = g.subshell() && !(dialect == ShellDialect.ASH && finalHere);
        walk(
            g.body(),
            main && !subshellForks,
            finalHere,
            inSubshell || g.subshell(),
            inBraces || !g.subshell(),
            inCompound,
            lastOfScript);
      } else if (node instanceof Compound c) {
        List<Simple> cmds = c.commands();
        for (int k = 0; k < cmds.size(); k++) {
          boolean last = k == cmds.size() - 1;
          boolean fin =
              finalHere && last && dialect == ShellDialect.ASH && !c.isLoop() && !c.isFunction();
          sites.add(
              new Site(
                  cmds.get(k),
                  main && !c.isFunction(),
                  fin,
                  background,
                  piped,
                  negated,
                  inSubshell,
                  inBraces,
                  c.keyword(),
                  lastOfScript && last));
        }
      }
    }

    ProcessModel result(String shellProgram) {
      List<Launcher> launchers = new ArrayList<>();
      List<String> programs = new ArrayList<>();
      List<String> assumed = new ArrayList<>();
      Site appSite = null;
      Launcher app = null;
      Site lastLongRunning = null;
      for (Site site : sites) {
        List<String> argv = expandPositional(site.argv());
        if (argv.isEmpty()) {
          continue;
        }
        ProcessModel inner = analyze(argv, ctx, depth + 1, -1);
        launchers.addAll(inner.launchers());
        programs.addAll(inner.programs());
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
        return pid1(Pid1.SHELL, shellProgram)
            .shell(dialect)
            .launchers(launchers)
            .programs(programs)
            .build();
      }
      List<String> argv = expandPositional(target.argv());
      if (argv.isEmpty()) {
        return pid1(Pid1.SHELL, shellProgram)
            .shell(dialect)
            .launchers(launchers)
            .programs(programs)
            .build();
      }
      boolean explicitExec = target.isExec() && target.mainShell();
      boolean implicitExec = !target.isExec() && target.finalPosition() && !traps;
      if (explicitExec || implicitExec) {
        ProcessModel inner = analyze(argv, ctx, depth + 1, -1);
        Placement placement =
            inner.pid1() == Pid1.APP
                ? (explicitExec ? Placement.EXPLICIT_EXEC : Placement.IMPLICIT_EXEC)
                : inner.placement();
        return inner.toBuilder()
            .shell(inner.shell() != null ? inner.shell() : dialect)
            .placement(placement)
            .launchers(launchers)
            .programs(programs)
            .build();
      }
      String main = app != null ? app.describe() : Programs.basename(argv.get(0));
      return pid1(Pid1.SHELL, shellProgram)
          .shell(dialect)
          .app(Optional.ofNullable(app), Placement.CHILD_OF_SHELL)
          .keepsPid1Because(reason(target, traps), forwardsSigterm())
          .launchers(launchers)
          .main(main)
          .programs(programs)
          .assume(assumed)
          .build();
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
        boolean term =
            w.subList(2, w.size()).stream()
                .map(sig -> sig.toUpperCase(Locale.ROOT))
                .anyMatch(sig -> sig.equals("TERM") || sig.equals("SIGTERM") || sig.equals("15"));
        if (term
            && action.contains("kill")
            && (!mustWait || action.contains("wait") || waits >= 2)) {
          return true;
        }
      }
      return false;
    }

    private String reason(Site site, boolean traps) {
      String sh = dialect.label();
      if (!file.isEmpty() && !site.background() && !site.piped() && !termTrap(false)) {
        return sh
            + " runs the script file "
            + file
            + " and stays PID 1: a script file's last"
            + " command is not exec'd unless it says exec (measured)";
      }
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
        return sh
            + " (the /bin/sh of Debian-based images) never replaces itself with the last"
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
