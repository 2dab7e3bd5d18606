package io.pyhygiene.rules.signals;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import io.pyhygiene.workload.process.LauncherKind;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The image's STOPSIGNAL is not SIGTERM, but the server drains only on SIGTERM. */
public final class StopSignalRule extends ContainerRule {

  /**
   * The signals each server shuts down gracefully on (from their sources and docs): gunicorn treats
   * SIGINT and SIGQUIT as quick shutdown; uvicorn, hypercorn, granian, daphne, Celery, rq and
   * dramatiq drain on SIGINT too; supervisord stops its programs on any of the three.
   */
  private static final Map<LauncherKind, Set<String>> GRACEFUL =
      Map.of(
          LauncherKind.GUNICORN, Set.of("TERM"),
          LauncherKind.UVICORN, Set.of("TERM", "INT"),
          LauncherKind.HYPERCORN, Set.of("TERM", "INT"),
          LauncherKind.GRANIAN, Set.of("TERM", "INT"),
          LauncherKind.DAPHNE, Set.of("TERM", "INT"),
          LauncherKind.CELERY, Set.of("TERM", "INT"),
          LauncherKind.RQ, Set.of("TERM", "INT"),
          LauncherKind.DRAMATIQ, Set.of("TERM", "INT"),
          LauncherKind.SUPERVISORD, Set.of("TERM", "INT", "QUIT"));

  private static final RuleInfo INFO =
      new RuleInfo(
          "stop-signal-not-sigterm",
          Severity.WARNING,
          Category.SIGNALS,
          "The image's STOPSIGNAL is not SIGTERM, the signal the server drains on",
          "The container runtime stops a container with the image's STOPSIGNAL instead of SIGTERM."
              + " gunicorn, uvicorn, hypercorn and Celery drain in-flight work on SIGTERM; SIGQUIT"
              + " and SIGINT make them stop at once (gunicorn's \"quick shutdown\", Celery's cold"
              + " shutdown), so every rollout cuts requests and tasks.",
          "Rebuild the image with `STOPSIGNAL SIGTERM` (or without STOPSIGNAL), or run a server that"
              + " drains on the image's signal.",
          """
      # fails: the image says STOPSIGNAL SIGQUIT and runs gunicorn
      image: registry.example/app:1.4   # Dockerfile: STOPSIGNAL SIGQUIT
      # passes: the image has no STOPSIGNAL (SIGTERM)
      image: registry.example/app:1.5
      """);

  @Override
  public String withImage() {
    return "Needs it: STOPSIGNAL is known only from the image's config. Without image resolution"
        + " the rule never fires.";
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
    Optional<String> signal = c.stopSignal();
    Optional<LauncherKind> server = c.process().app().map(a -> a.kind());
    if (signal.isEmpty()
        || server.isEmpty()
        || !GRACEFUL.containsKey(server.get())
        || GRACEFUL.get(server.get()).contains(name(signal.get()))) {
      return Optional.empty();
    }
    return Optional.of(
        finding(
            c.name(),
            "the image's STOPSIGNAL is "
                + signal.get()
                + ", so the runtime stops "
                + server.get().program()
                + " with it instead of SIGTERM: "
                + server.get().program()
                + " drains on "
                + String.join(
                    " or ",
                    GRACEFUL.get(server.get()).stream().sorted().map(x -> "SIG" + x).toList())
                + " and stops at once on "
                + signal.get()
                + "."));
  }

  /** {@code SIGTERM}, {@code TERM} or {@code 15} as {@code TERM}. */
  private static String name(String signal) {
    String s = signal.trim().toUpperCase(Locale.ROOT);
    s = s.startsWith("SIG") ? s.substring(3) : s;
    return switch (s) {
      case "15" -> "TERM";
      case "2" -> "INT";
      case "3" -> "QUIT";
      case "9" -> "KILL";
      default -> s;
    };
  }
}
