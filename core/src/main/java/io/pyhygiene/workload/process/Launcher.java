package io.pyhygiene.workload.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A recognised Python launch: which program, how it was invoked, and the arguments that follow it.
 * Never rendered verbatim into output (arguments may hold secrets): messages use {@link
 * #describe()}.
 *
 * @param kind which launcher
 * @param program the executable as written ({@code /usr/local/bin/gunicorn}, {@code python3.12})
 * @param module for {@code python -m X}, the module name; otherwise empty
 * @param script for {@code python path.py}, the script path; {@code -c} for inline code
 * @param args the arguments after the launcher (after the module for {@code -m}), where server
 *     options live
 * @param interpreterOptions options given to the Python interpreter itself ({@code -u}, {@code -X
 *     dev})
 */
public record Launcher(
    LauncherKind kind,
    String program,
    String module,
    String script,
    List<String> args,
    List<String> interpreterOptions) {

  /** Whether the Python interpreter's stdout is unbuffered by {@code -u}. */
  public boolean unbufferedFlag() {
    for (String o : interpreterOptions) {
      if (o.startsWith("-")
          && !o.startsWith("--")
          && o.indexOf('u') > 0
          && o.indexOf('X') < 0
          && o.indexOf('W') < 0) {
        return true;
      }
    }
    return false;
  }

  /** Django management commands that run a worker which handles SIGTERM (warm shutdown). */
  private static final java.util.Set<String> DJANGO_WORKERS =
      java.util.Set.of(
          "rqworker",
          "rqscheduler",
          "rqworker-pool",
          "celery",
          "qcluster",
          "run_huey",
          "runworker",
          "consumer");

  /**
   * What this launch does with SIGTERM as PID 1: the program's own behaviour, refined by its
   * command line ({@code manage.py rqworker} is an rq worker; uWSGI's {@code --die-on-term}).
   */
  public LauncherKind.Sigterm sigterm() {
    if (kind == LauncherKind.PYTHON
        && isDjangoManage()
        && !args.isEmpty()
        && DJANGO_WORKERS.contains(args.get(0))) {
      return LauncherKind.Sigterm.HANDLES;
    }
    if (kind == LauncherKind.UWSGI && uwsgiDiesOnTerm()) {
      return LauncherKind.Sigterm.HANDLES;
    }
    return kind.sigterm();
  }

  /** {@code python manage.py ...} or {@code ./manage.py ...}. */
  public boolean isDjangoManage() {
    return Programs.basename(script).equals("manage.py")
        || Programs.basename(program).equals("manage.py");
  }

  /** The Django management command, or empty. */
  public String djangoCommand() {
    return isDjangoManage() && !args.isEmpty() ? args.get(0) : "";
  }

  /** uWSGI told to exit on SIGTERM: {@code --die-on-term} (uWSGI 2.1 does by default). */
  public boolean uwsgiDiesOnTerm() {
    return args.stream()
        .anyMatch(
            a ->
                a.equals("--die-on-term")
                    || a.equals("--die-on-term=true")
                    || a.equals("--die-on-term=1"));
  }

  /**
   * uWSGI reading a config file the manifest does not show ({@code --ini x.ini}, ...), or empty.
   */
  public String uwsgiConfigFile() {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      for (String opt : List.of("--ini", "--yaml", "--yml", "--json", "--xml")) {
        if (a.equals(opt) && i + 1 < args.size()) {
          return args.get(i + 1);
        }
        if (a.startsWith(opt + "=")) {
          return a.substring(opt.length() + 1);
        }
      }
      if (i == 0 && a.endsWith(".ini")) {
        return a; // uwsgi app.ini
      }
    }
    return "";
  }

  /** A short, secret-free description such as {@code gunicorn} or {@code python3 -m mypkg}. */
  public String describe() {
    String prog = Programs.basename(program);
    if (!module.isEmpty()) {
      return prog + " -m " + module;
    }
    if (kind == LauncherKind.PYTHON && script.equals("-c")) {
      return prog + " -c";
    }
    if (kind == LauncherKind.PYTHON
        && isDjangoManage()
        && !djangoCommand().isEmpty()
        && !djangoCommand().startsWith("-")) {
      return (prog.equals("manage.py") ? "" : prog + " ") + "manage.py " + djangoCommand();
    }
    if (kind == LauncherKind.PYTHON && !script.isEmpty()) {
      return prog + " " + Programs.basename(script);
    }
    return prog;
  }

  /** Recognises a launcher at the head of {@code argv}, looking through exec wrappers. */
  public static Optional<Launcher> recognize(List<String> argv) {
    List<String> cmd = argv;
    int guard = 0;
    while (!cmd.isEmpty() && Programs.isExecWrapper(cmd) && guard++ < 8) {
      int idx = Programs.wrappedCommandIndex(cmd);
      if (idx < 0 || idx >= cmd.size()) {
        return Optional.empty();
      }
      cmd = cmd.subList(idx, cmd.size());
    }
    if (cmd.isEmpty()) {
      return Optional.empty();
    }
    String program = cmd.get(0);
    String base = Programs.basename(program);
    List<String> rest = cmd.subList(1, cmd.size());
    if (Programs.isPythonInterpreter(base)) {
      return Optional.of(parseInterpreter(program, rest));
    }
    if (base.equals("manage.py")) { // ./manage.py with a python shebang
      return Optional.of(
          new Launcher(LauncherKind.PYTHON, program, "", program, List.copyOf(rest), List.of()));
    }
    Optional<LauncherKind> kind = LauncherKind.ofProgram(base);
    if (kind.isPresent()) {
      return Optional.of(new Launcher(kind.get(), program, "", "", List.copyOf(rest), List.of()));
    }
    return Optional.empty();
  }

  /** Parses {@code python [options] (-m mod | -c code | script | -) [args]}. */
  private static Launcher parseInterpreter(String program, List<String> rest) {
    List<String> options = new ArrayList<>();
    int i = 0;
    while (i < rest.size()) {
      String a = rest.get(i);
      if (a.equals("--")) {
        i++;
        break;
      }
      if (!a.startsWith("-") || a.equals("-")) {
        break;
      }
      if (a.startsWith("--")) { // --version, --help, --check-hash-based-pycs VALUE
        options.add(a);
        i += a.equals("--check-hash-based-pycs") ? 2 : 1;
        continue;
      }
      // A cluster of one-letter flags such as -u, -uB, -OO; m, c, W and X take a value.
      for (int k = 1; k < a.length(); k++) {
        char f = a.charAt(k);
        if (f == 'm' || f == 'c') {
          String value =
              k + 1 < a.length() ? a.substring(k + 1) : i + 1 < rest.size() ? rest.get(i + 1) : "";
          int next = k + 1 < a.length() ? i + 1 : i + 2;
          options.add(a.substring(0, k));
          List<String> after = List.copyOf(rest.subList(Math.min(next, rest.size()), rest.size()));
          List<String> opts = cleanOptions(options);
          if (f == 'c') {
            return new Launcher(LauncherKind.PYTHON, program, "", "-c", after, opts);
          }
          Optional<LauncherKind> server = LauncherKind.ofProgram(value);
          return new Launcher(server.orElse(LauncherKind.PYTHON), program, value, "", after, opts);
        }
        if (f == 'W' || f == 'X') {
          if (k + 1 == a.length()) {
            i++; // value is the next argument
          }
          break;
        }
      }
      options.add(a);
      i++;
    }
    String script = i < rest.size() ? rest.get(i) : "";
    List<String> after =
        i < rest.size() ? List.copyOf(rest.subList(i + 1, rest.size())) : List.of();
    return new Launcher(LauncherKind.PYTHON, program, "", script, after, cleanOptions(options));
  }

  private static List<String> cleanOptions(List<String> options) {
    List<String> out = new ArrayList<>();
    for (String o : options) {
      if (!o.isEmpty() && !o.equals("-")) {
        out.add(o);
      }
    }
    return List.copyOf(out);
  }
}
