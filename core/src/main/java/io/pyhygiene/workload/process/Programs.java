package io.pyhygiene.workload.process;

import io.pyhygiene.workload.shell.ShellScript;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Names of the programs that matter for PID 1 and Python detection. */
public final class Programs {

  private Programs() {}

  private static final Pattern SHELL_VARIABLE = Pattern.compile("[A-Z_][A-Z0-9_]*");

  private static final Pattern PYTHON = Pattern.compile("(python|pypy)(\\d+(\\.\\d+)?)?[a-z]?");

  /** Init processes that reap zombies and forward signals to their child. */
  static final Set<String> INITS = Set.of("tini", "tini-static", "dumb-init", "catatonit");

  static final Set<String> SHELLS = Set.of("sh", "dash", "bash", "ash", "zsh", "ksh", "mksh");

  /**
   * Programs that replace themselves with their argument (exec), so the argument ends up with their
   * PID: privilege droppers, {@code env}, and the APM bootstrap wrappers of Python services.
   */
  static final Set<String> EXEC_WRAPPERS =
      Set.of(
          "env",
          "gosu",
          "su-exec",
          "nice",
          "stdbuf",
          "ddtrace-run",
          "opentelemetry-instrument",
          "chpst",
          "setpriv");

  /** Python project runners that start the program as their child (they stay its parent). */
  static final Set<String> RUNNERS = Set.of("uv", "pdm", "hatch", "rye");

  /** Project runners whose {@code run} replaces itself with the command (os.execvpe on POSIX). */
  static final Set<String> EXEC_RUNNERS = Set.of("poetry", "pipenv");

  /** Shell builtins and set-up commands that are never the long-running process of a script. */
  static final Set<String> NOT_LONG_RUNNING =
      Set.of(
          "cd",
          "export",
          "set",
          "unset",
          "echo",
          "printf",
          "true",
          "false",
          ":",
          "test",
          "[",
          "[[",
          "source",
          ".",
          "trap",
          "wait",
          "ulimit",
          "umask",
          "shift",
          "read",
          "exit",
          "return",
          "local",
          "readonly",
          "alias",
          "mkdir",
          "chmod",
          "chown",
          "cp",
          "mv",
          "rm",
          "ln",
          "touch",
          "cat",
          "sleep",
          "exec");

  /**
   * Entry-point scripts by their conventional names: images' {@code ENTRYPOINT} wrappers that set
   * up and then {@code exec "$@"}. Seen through, with that assumption stated.
   */
  static final Set<String> ENTRYPOINT_SCRIPTS =
      Set.of(
          "entrypoint",
          "entrypoint.sh",
          "docker-entrypoint",
          "docker-entrypoint.sh",
          "docker-entrypoint.bash",
          "entrypoint.bash",
          "container-entrypoint",
          "container-entrypoint.sh");

  /** Programs that are not Python: an nginx or node process is not a Python service. */
  static final Set<String> NOT_PYTHON =
      Set.of(
          "nginx",
          "node",
          "nodejs",
          "java",
          "redis-server",
          "redis-sentinel",
          "redis-cli",
          "postgres",
          "postmaster",
          "pgbouncer",
          "envoy",
          "traefik",
          "caddy",
          "httpd",
          "apache2",
          "haproxy",
          "memcached",
          "clickhouse-server",
          "clickhouse",
          "mysqld",
          "mariadbd",
          "mongod",
          "dotnet",
          "ruby",
          "bundle",
          "rails",
          "puma",
          "unicorn",
          "php",
          "php-fpm",
          "npm",
          "npx",
          "yarn",
          "pnpm",
          "deno",
          "bun",
          "configurable-http-proxy",
          "relay",
          "socat",
          "nc",
          "netcat",
          "curl",
          "wget",
          "kubectl",
          "psql",
          "vector",
          "fluent-bit",
          "fluentd",
          "otelcol",
          "kafka-server-start.sh",
          "zookeeper-server-start.sh",
          "pause",
          "coredns",
          "statsd_exporter",
          "prometheus",
          "grafana-server",
          "minio",
          "etcd");

  /** Utilities and builtins scripts use around their real work: not Python. */
  static final Set<String> UTILITIES =
      Set.of(
          "find",
          "wc",
          "date",
          "grep",
          "sed",
          "awk",
          "tail",
          "head",
          "sort",
          "uniq",
          "xargs",
          "tee",
          "ls",
          "du",
          "df",
          "tar",
          "gzip",
          "gunzip",
          "id",
          "whoami",
          "hostname",
          "env",
          "printenv",
          "basename",
          "dirname",
          "expr",
          "seq",
          "tr",
          "cut",
          "stat",
          "touch",
          "kill",
          "pkill",
          "ps",
          "nohup",
          "timeout",
          "realpath",
          "readlink",
          "md5sum",
          "sha256sum",
          "base64",
          "getent",
          "su",
          "sudo",
          "chgrp",
          "install",
          "logger",
          "yes",
          "watch");

  /** For documentation: init processes that stay PID 1 and forward signals, sorted. */
  public static List<String> inits() {
    return INITS.stream().sorted().toList();
  }

  /** For documentation: programs that exec their argument (seen through), sorted. */
  public static List<String> execWrappers() {
    java.util.List<String> all = new java.util.ArrayList<>(EXEC_WRAPPERS);
    all.add("newrelic-admin run-program");
    EXEC_RUNNERS.forEach(r -> all.add(r + " run"));
    return all.stream().sorted().toList();
  }

  /** For documentation: entry-point script names seen through on an assumption, sorted. */
  public static List<String> entrypointScripts() {
    return ENTRYPOINT_SCRIPTS.stream().sorted().toList();
  }

  /** For documentation: project runners that stay the parent of what they run, sorted. */
  public static List<String> runners() {
    return RUNNERS.stream().map(r -> r + " run").sorted().toList();
  }

  /** For documentation: programs known not to be Python, sorted. */
  public static List<String> notPython() {
    return NOT_PYTHON.stream().sorted().toList();
  }

  /**
   * Whether every program seen is known and none is Python (so env or image hints must not win).
   */
  public static boolean allKnownNotPython(java.util.List<String> programs) {
    return !programs.isEmpty()
        && programs.stream()
            .map(Programs::basename)
            .allMatch(
                p ->
                    NOT_PYTHON.contains(p)
                        || UTILITIES.contains(p)
                        || NOT_LONG_RUNNING.contains(p)
                        || SHELLS.contains(p)
                        || INITS.contains(p)
                        || EXEC_WRAPPERS.contains(p)
                        || ENTRYPOINT_SCRIPTS.contains(p)
                        || p.equals("busybox")
                        // (( VAR > 0 )) and stray words of arithmetic read as a command name, not
                        // programs
                        || SHELL_VARIABLE.matcher(p).matches()
                        || p.startsWith("("));
  }

  static boolean isEntrypointScript(String program) {
    return ENTRYPOINT_SCRIPTS.contains(basename(program));
  }

  /** The program a script's {@code #!} line names ({@code sh} when there is none). */
  static String shebangInterpreter(String body) {
    String first = body.lines().findFirst().orElse("").trim();
    if (!first.startsWith("#!")) {
      return "sh";
    }
    String[] words = first.substring(2).trim().split("\\s+");
    String prog = basename(words[0]);
    if (prog.equals("env") && words.length > 1) {
      prog = basename(words[words.length - 1]);
    }
    return prog.isEmpty() ? "sh" : prog;
  }

  public static String basename(String path) {
    if (path == null) {
      return "";
    }
    int slash = path.lastIndexOf('/');
    return slash >= 0 ? path.substring(slash + 1) : path;
  }

  static boolean isPythonInterpreter(String program) {
    return PYTHON.matcher(basename(program).toLowerCase(Locale.ROOT)).matches();
  }

  static boolean isInit(String program) {
    return INITS.contains(basename(program));
  }

  public static boolean isShell(String program) {
    return SHELLS.contains(basename(program));
  }

  static boolean isBusybox(String program) {
    return basename(program).equals("busybox");
  }

  /** Index of the wrapped command inside {@code argv} for an exec wrapper at index 0, or -1. */
  static int wrappedCommandIndex(List<String> argv) {
    String prog = basename(argv.get(0));
    int i = 1;
    switch (prog) {
      case "env" -> {
        while (i < argv.size()) {
          String a = argv.get(i);
          if (a.equals("--")) {
            return i + 1;
          } else if (a.equals("-u")
              || a.equals("--unset")
              || a.equals("-C")
              || a.equals("--chdir")
              || a.equals("-S")) {
            i += 2;
          } else if (a.startsWith("-") || ShellScript.isAssignment(a)) {
            i++;
          } else {
            return i;
          }
        }
        return -1;
      }
      case "gosu", "su-exec" -> {
        return argv.size() > 2 ? 2 : -1; // user[:group] then the command
      }
      case "newrelic-admin" -> {
        return argv.size() > 2 && argv.get(1).startsWith("run-") ? 2 : -1;
      }
      case "poetry", "pipenv" -> {
        i = 2; // "run", then runner options
        while (i < argv.size() && argv.get(i).startsWith("-")) {
          i++;
        }
        return i < argv.size() ? i : -1;
      }
      case "chpst" -> {
        while (i < argv.size() && argv.get(i).startsWith("-")) {
          String a = argv.get(i);
          // chpst options that take a value: -u -U -e -/ -n -l -L -m -d -o -p -f -c -r -t
          i += a.length() == 2 && "uUe/nlLmdopfcrt".indexOf(a.charAt(1)) >= 0 ? 2 : 1;
        }
        return i < argv.size() ? i : -1;
      }
      case "nice" -> {
        if (i < argv.size() && (argv.get(i).equals("-n") || argv.get(i).equals("--adjustment"))) {
          i += 2;
        }
        while (i < argv.size() && argv.get(i).startsWith("-")) {
          i++;
        }
        return i < argv.size() ? i : -1;
      }
      default -> {
        // stdbuf -oL, ddtrace-run, opentelemetry-instrument --service_name x, setpriv --reuid=1
        while (i < argv.size() && argv.get(i).startsWith("-")) {
          String a = argv.get(i);
          boolean takesValue =
              !a.contains("=") && a.startsWith("--") && prog.equals("opentelemetry-instrument");
          i += takesValue ? 2 : 1;
        }
        return i < argv.size() ? i : -1;
      }
    }
  }

  static boolean isExecWrapper(List<String> argv) {
    String prog = basename(argv.get(0));
    return EXEC_WRAPPERS.contains(prog)
        || (prog.equals("newrelic-admin") && argv.size() > 1 && argv.get(1).startsWith("run-"))
        || (EXEC_RUNNERS.contains(prog) && argv.size() > 2 && argv.get(1).equals("run"));
  }
}
