package io.pyhygiene.workload.process;

import java.util.Locale;
import java.util.Optional;

/** The Python programs pyhygiene recognises in a command line. */
public enum LauncherKind {
  /** The interpreter running a script, {@code -m module} or {@code -c code}. */
  PYTHON(false),
  GUNICORN(true),
  UVICORN(true),
  HYPERCORN(true),
  DAPHNE(true),
  GRANIAN(true),
  CELERY(true),
  /** {@code flask run}: the development server, which installs no SIGTERM handler. */
  FLASK(false);

  private final boolean handlesSignals;

  LauncherKind(boolean handlesSignals) {
    this.handlesSignals = handlesSignals;
  }

  /** A known server that installs its own SIGTERM handler, so it shuts down even as PID 1. */
  public boolean handlesSignals() {
    return handlesSignals;
  }

  public String program() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The launcher a console-script or {@code -m} module name stands for, if any. */
  public static Optional<LauncherKind> ofProgram(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (LauncherKind k : values()) {
      if (k != PYTHON && k.program().equals(n)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
