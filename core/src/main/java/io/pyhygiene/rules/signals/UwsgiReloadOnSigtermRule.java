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
import java.util.Optional;

/** uWSGI without die-on-term treats SIGTERM as "reload": the pod never stops by itself. */
public final class UwsgiReloadOnSigtermRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "uwsgi-reload-on-sigterm",
          Severity.ERROR,
          Category.SIGNALS,
          "uWSGI reloads on SIGTERM instead of stopping",
          "uWSGI 2.0 gives SIGTERM the meaning \"reload\": it restarts its workers and carries on"
              + " (measured as PID 1: it never exits). The kubelet waits out the whole grace period"
              + " and SIGKILLs it, so every rollout and scale-down takes the full grace period and"
              + " ends in a kill. With `--die-on-term` it exits on SIGTERM at once, dropping requests"
              + " in flight (measured); a `gracefully_kill_them_all` hook on signal 15 drains them.",
          "Add `--die-on-term` (or `die-on-term = true` in the ini file), and for a graceful drain"
              + " `--hook-master-start \"unix_signal:15 gracefully_kill_them_all\"` with a `--harakiri`"
              + " that fits in the grace period.",
          """
      # fails: SIGTERM reloads uWSGI
      command: ["uwsgi", "--http", ":8000", "--module", "app.wsgi"]
      # passes
      command: ["uwsgi", "--http", ":8000", "--module", "app.wsgi", "--die-on-term"]
      """);

  @Override
  public String withImage() {
    return "uWSGI started by the image's ENTRYPOINT or CMD is checked too.";
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
    if (!c.process().appReloadsOnSigterm()) {
      return Optional.empty();
    }
    Launcher uwsgi = c.process().app().orElseThrow();
    String config = uwsgi.uwsgiConfigFile();
    Finding f =
        finding(
            c.name(),
            "uWSGI runs without --die-on-term: SIGTERM makes it reload, so"
                + " the container never stops by itself and is SIGKILLed after the "
                + w.terminationGracePeriodSeconds()
                + " s grace period.");
    return Optional.of(
        config.isEmpty()
            ? f
            : f.assuming(config + " does not set die-on-term")
                .assuming(String.join("; ", c.process().assumptions())));
  }
}
