package io.pyhygiene.workload.process;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Python programs pyhygiene recognises in a command line, by their console-script or {@code -m}
 * module names, and what each does with SIGTERM. Where the behaviour was measured as PID 1 of a
 * fresh PID namespace the table says so (corpus/groundtruth/RESULTS.md, re-measured by the
 * ground-truth ITs); the rest is from the program's source.
 */
public enum LauncherKind {
  /**
   * The interpreter running a script, {@code -m module} or {@code -c code}: no handler unless the
   * code installs one.
   */
  PYTHON(Sigterm.NO_HANDLER),
  GUNICORN(Sigterm.HANDLES, "gunicorn"), // measured: drains up to --graceful-timeout
  UVICORN(Sigterm.HANDLES, "uvicorn"), // measured
  HYPERCORN(Sigterm.HANDLES, "hypercorn"), // measured: default drain about 3 s
  DAPHNE(Sigterm.HANDLES, "daphne"), // Twisted's reactor stops on SIGTERM
  GRANIAN(Sigterm.HANDLES, "granian"), // measured
  CELERY(Sigterm.HANDLES, "celery"), // measured: warm shutdown waits for running tasks
  /** {@code flask run}: the development server, which installs no SIGTERM handler. */
  FLASK(Sigterm.NO_HANDLER, "flask"),
  RQ(Sigterm.HANDLES, "rq", "rqworker", "rqscheduler", "rq-scheduler"), // measured: warm shutdown
  DRAMATIQ(Sigterm.HANDLES, "dramatiq"), // measured
  HUEY(Sigterm.HANDLES, "huey_consumer", "huey_consumer.py"),
  ARQ(Sigterm.HANDLES, "arq"),
  AIRFLOW(Sigterm.HANDLES, "airflow"), // the CLI's components install SIGTERM handlers
  SENTRY(Sigterm.HANDLES, "sentry"), // `run web` execs uWSGI with die-on-term; consumers stop
  SNUBA(Sigterm.HANDLES, "snuba"), // consumers install handlers
  JUPYTERHUB(Sigterm.HANDLES, "jupyterhub", "jupyterhub-singleuser"),
  JUPYTER(Sigterm.HANDLES, "jupyter", "jupyter-lab", "jupyter-notebook"),
  PREFECT(Sigterm.HANDLES, "prefect"),
  STREAMLIT(Sigterm.HANDLES, "streamlit"), // its bootstrap stops the server on SIGTERM
  FLOWER(Sigterm.HANDLES, "flower"),
  LOCUST(Sigterm.HANDLES, "locust"), // measured
  MLFLOW(Sigterm.HANDLES, "mlflow"), // measured: 3.15 forwards SIGTERM (late); 3.1.0 ignored it
  DAGSTER(Sigterm.HANDLES, "dagster", "dagster-webserver", "dagit", "dagster-daemon"),
  SUPERSET(Sigterm.HANDLES, "superset"),
  /** supervisord: forwards SIGTERM to its programs and waits stopwaitsecs (measured). */
  SUPERVISORD(Sigterm.HANDLES, "supervisord"),
  /** waitress-serve: measured, as PID 1 it keeps serving after SIGTERM. */
  WAITRESS(Sigterm.NO_HANDLER, "waitress-serve", "waitress"),
  /** uWSGI 2.0: SIGTERM reloads it unless die-on-term is set (measured). */
  UWSGI(Sigterm.RELOADS, "uwsgi");

  /** What a program does with SIGTERM when it is PID 1. */
  public enum Sigterm {
    /** It installs a handler and shuts down (gracefully, as far as its options say). */
    HANDLES,
    /** No handler: as PID 1 it ignores SIGTERM, and the kubelet SIGKILLs it at the deadline. */
    NO_HANDLER,
    /** It treats SIGTERM as "reload" and never exits by it (uWSGI without die-on-term). */
    RELOADS
  }

  private final Sigterm sigterm;

  /** Console-script and module names; the first is how it is usually run. */
  private final List<String> names;

  LauncherKind(Sigterm sigterm, String... names) {
    this.sigterm = sigterm;
    this.names = List.of(names);
  }

  /** What it does with SIGTERM when nothing on its command line changes that. */
  public Sigterm sigterm() {
    return sigterm;
  }

  /** A known program that installs its own SIGTERM handler, so it shuts down even as PID 1. */
  public boolean handlesSignals() {
    return sigterm == Sigterm.HANDLES;
  }

  /** Its console-script and module names, the usual one first (empty for the interpreter). */
  public List<String> names() {
    return names;
  }

  /** How it is usually run: {@code python} for the interpreter, else its main console script. */
  public String program() {
    return names.isEmpty() ? name().toLowerCase(Locale.ROOT) : names.get(0);
  }

  /** The launcher a console-script or {@code -m} module name stands for, if any. */
  public static Optional<LauncherKind> ofProgram(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(k -> k.names.contains(n)).findFirst();
  }
}
