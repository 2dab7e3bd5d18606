package io.pyhygiene.workload.process;

import io.pyhygiene.workload.Env;
import io.pyhygiene.workload.shell.ShellLexer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a Python launcher's options and environment say about its worker processes, its drain time
 * on SIGTERM and its debug switches. Options are read in every spelling the servers accept ({@code
 * -w 4}, {@code -w4}, {@code --workers 4}, {@code --workers=4}); for gunicorn the command line
 * overrides {@code GUNICORN_CMD_ARGS}, which overrides {@code WEB_CONCURRENCY}, as gunicorn itself
 * resolves them.
 *
 * @param workers worker processes, when known
 * @param workersSource where the count came from, e.g. {@code --workers} or {@code WEB_CONCURRENCY}
 * @param drain how long the server keeps draining after SIGTERM
 * @param reload whether an auto-reload (development) switch is on
 * @param drainOption the option that bounds the drain ({@code --graceful-timeout}, ...), or empty
 */
public record ServerOptions(
    OptionalInt workers, String workersSource, Drain drain, boolean reload, String drainOption) {

  public ServerOptions(OptionalInt workers, String workersSource, Drain drain, boolean reload) {
    this(workers, workersSource, drain, reload, "");
  }

  private ServerOptions bounding(String option) {
    return new ServerOptions(workers, workersSource, drain, reload, option);
  }

  /**
   * The server's drain on SIGTERM.
   *
   * @param kind bounded, unbounded, or not a draining server
   * @param seconds the bound in seconds (0 unless bounded)
   * @param source what set it, e.g. {@code --graceful-timeout} or {@code gunicorn default}
   */
  public record Drain(Kind kind, int seconds, String source) {
    public enum Kind {
      BOUNDED,
      UNBOUNDED,
      NONE
    }

    static Drain none() {
      return new Drain(Kind.NONE, 0, "");
    }

    static Drain bounded(int seconds, String source) {
      return new Drain(Kind.BOUNDED, seconds, source);
    }
  }

  public static ServerOptions none() {
    return new ServerOptions(OptionalInt.empty(), "", Drain.none(), false);
  }

  public static ServerOptions of(Launcher launcher, Env env) {
    List<String> args = launcher.args();
    return switch (launcher.kind()) {
      case GUNICORN -> gunicorn(args, env).bounding("--graceful-timeout");
      case UVICORN -> uvicorn(args, env).bounding("--timeout-graceful-shutdown");
      case UWSGI -> uwsgi(launcher, env).bounding("--harakiri");
      case HYPERCORN ->
          new ServerOptions(
              intOption(args, env, "-w", "--workers")
                  .map(OptionalInt::of)
                  .orElse(OptionalInt.empty()),
              "--workers",
              intOption(args, env, null, "--graceful-timeout")
                  .map(s -> Drain.bounded(s, "--graceful-timeout"))
                  .orElse(Drain.bounded(3, "hypercorn's default --graceful-timeout")),
              false,
              "--graceful-timeout");
      case CELERY -> celery(args, env);
      case GRANIAN ->
          new ServerOptions(
              intOption(args, env, null, "--workers")
                  .map(OptionalInt::of)
                  .orElse(OptionalInt.empty()),
              "--workers",
              Drain.none(),
              hasFlag(args, "--reload"));
      case FLASK ->
          new ServerOptions(
              OptionalInt.empty(),
              "",
              Drain.none(),
              hasFlag(args, "--reload") || hasFlag(args, "--debug"));
      default -> none();
    };
  }

  private static ServerOptions gunicorn(List<String> cli, Env env) {
    List<String> fromEnv =
        env.literal("GUNICORN_CMD_ARGS").map(ShellLexer::splitWords).orElse(List.of());
    // A config file (-c) may set workers and graceful_timeout where the manifest cannot show it:
    // its worker count is unknown, and the drain default is stated as an assumption.
    boolean configFile =
        !optionValues(cli, "-c", "--config").isEmpty()
            || !optionValues(fromEnv, "-c", "--config").isEmpty();
    Workers workers =
        Workers.first(
            Workers.option(cli, env, "-w", "--workers", "--workers"),
            Workers.option(fromEnv, env, "-w", "--workers", "GUNICORN_CMD_ARGS"),
            configFile ? new Workers(OptionalInt.empty(), "config file") : null,
            Workers.env(env, "WEB_CONCURRENCY"),
            new Workers(OptionalInt.of(1), "gunicorn default"));
    Drain drain =
        intOption(cli, env, null, "--graceful-timeout")
            .map(s -> Drain.bounded(s, "--graceful-timeout"))
            .or(
                () ->
                    intOption(fromEnv, env, null, "--graceful-timeout")
                        .map(s -> Drain.bounded(s, "--graceful-timeout in GUNICORN_CMD_ARGS")))
            .orElse(
                Drain.bounded(
                    30,
                    configFile
                        ? "gunicorn's default --graceful-timeout, unless the config file sets graceful_timeout"
                        : "gunicorn's default --graceful-timeout"));
    boolean reload = hasFlag(cli, "--reload") || hasFlag(fromEnv, "--reload");
    return new ServerOptions(workers.count(), workers.source(), drain, reload);
  }

  /**
   * A Celery worker's warm shutdown (measured) waits for the tasks it is running, without bound
   * unless a hard task time limit ({@code --time-limit}) caps them; other subcommands (beat,
   * flower) do not drain.
   */
  private static ServerOptions celery(List<String> args, Env env) {
    OptionalInt workers =
        intOption(args, env, "-c", "--concurrency")
            .map(OptionalInt::of)
            .orElse(OptionalInt.empty());
    if (!args.contains("worker")) {
      return new ServerOptions(workers, "--concurrency", Drain.none(), false);
    }
    Drain drain =
        intOption(args, env, null, "--time-limit")
            .map(
                s ->
                    Drain.bounded(
                        s,
                        "--time-limit (Celery's warm shutdown waits for running"
                            + " tasks up to their hard time limit)"))
            .orElse(
                new Drain(
                    Drain.Kind.UNBOUNDED,
                    0,
                    "no --time-limit (Celery's warm shutdown"
                        + " waits for running tasks however long they take)"));
    return new ServerOptions(workers, "--concurrency", drain, false, "--time-limit");
  }

  /**
   * uWSGI: with die-on-term it exits at once on SIGTERM, dropping in-flight requests (measured: no
   * drain); a {@code gracefully_kill_them_all} hook on signal 15 makes it drain, bounded by {@code
   * --harakiri} when set. Workers: {@code --processes}/{@code --workers}/{@code -p}.
   */
  private static ServerOptions uwsgi(Launcher launcher, Env env) {
    List<String> args = launcher.args();
    OptionalInt workers =
        intOption(args, env, "-p", "--processes")
            .or(() -> intOption(args, env, null, "--workers"))
            .map(OptionalInt::of)
            .orElse(OptionalInt.empty());
    boolean graceful = args.stream().anyMatch(a -> a.contains("gracefully_kill_them_all"));
    Drain drain =
        !graceful
            ? Drain.none()
            : intOption(args, env, null, "--harakiri")
                .map(s -> Drain.bounded(s, "--harakiri"))
                .orElse(
                    new Drain(
                        Drain.Kind.UNBOUNDED,
                        0,
                        "gracefully_kill_them_all without" + " --harakiri"));
    return new ServerOptions(workers, "--processes", drain, hasFlag(args, "--py-autoreload"));
  }

  private static ServerOptions uvicorn(List<String> args, Env env) {
    Workers workers =
        Workers.first(
            Workers.option(args, env, null, "--workers", "--workers"),
            Workers.env(env, "WEB_CONCURRENCY"),
            new Workers(OptionalInt.of(1), "uvicorn default"));
    // Without --timeout-graceful-shutdown uvicorn waits for every open request, however long.
    Drain drain =
        intOption(args, env, null, "--timeout-graceful-shutdown")
            .map(s -> Drain.bounded(s, "--timeout-graceful-shutdown"))
            .orElse(new Drain(Drain.Kind.UNBOUNDED, 0, "no --timeout-graceful-shutdown"));
    return new ServerOptions(workers.count(), workers.source(), drain, hasFlag(args, "--reload"));
  }

  /**
   * A worker count and where it came from; {@code null} from a source that is absent. A source that
   * is present but unreadable (such as {@code --workers $(UNSET)}) yields an unknown count rather
   * than falling through to a default.
   */
  private record Workers(OptionalInt count, String source) {
    static Workers option(
        List<String> args, Env env, String shortName, String longName, String source) {
      List<String> values = optionValues(args, shortName, longName);
      if (values.isEmpty()) {
        return null;
      }
      return new Workers(
          toOptional(parseInt(env.resolveReference(values.get(values.size() - 1)))), source);
    }

    static Workers env(Env env, String name) {
      return env.get(name)
          .map(
              v ->
                  new Workers(
                      toOptional(parseInt(v.literal())),
                      v.fromImage() ? name + " in the image's ENV" : name))
          .orElse(null);
    }

    static Workers first(Workers... candidates) {
      for (Workers w : candidates) {
        if (w != null) {
          return w;
        }
      }
      return new Workers(OptionalInt.empty(), "");
    }

    private static OptionalInt toOptional(Optional<Integer> v) {
      return v.map(OptionalInt::of).orElse(OptionalInt.empty());
    }
  }

  /** All values of an option, in order; the last one is what the server uses. */
  static List<String> optionValues(List<String> args, String shortName, String longName) {
    List<String> values = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        break;
      }
      if (a.equals(longName) || (shortName != null && a.equals(shortName))) {
        if (i + 1 < args.size()) {
          values.add(args.get(i + 1));
          i++;
        }
      } else if (a.startsWith(longName + "=")) {
        values.add(a.substring(longName.length() + 1));
      } else if (shortName != null
          && a.startsWith(shortName)
          && a.length() > shortName.length()
          && !a.startsWith("--")) {
        values.add(a.substring(shortName.length()));
      }
    }
    return values;
  }

  static Optional<Integer> intOption(
      List<String> args, Env env, String shortName, String longName) {
    List<String> values = optionValues(args, shortName, longName);
    return values.isEmpty()
        ? Optional.empty()
        : parseInt(env.resolveReference(values.get(values.size() - 1)));
  }

  static boolean hasFlag(List<String> args, String flag) {
    for (String a : args) {
      if (a.equals("--")) {
        return false;
      }
      if (a.equals(flag)) {
        return true;
      }
    }
    return false;
  }

  static Optional<Integer> parseInt(String s) {
    if (s == null) {
      return Optional.empty();
    }
    String t = s.trim();
    if (t.isEmpty() || t.length() > 9) {
      return Optional.empty();
    }
    for (int i = 0; i < t.length(); i++) {
      if (!Character.isDigit(t.charAt(i)) || t.charAt(i) > '9') {
        return Optional.empty();
      }
    }
    return Optional.of(Integer.parseInt(t));
  }
}
