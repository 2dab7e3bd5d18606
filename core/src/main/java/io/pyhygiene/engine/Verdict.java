package io.pyhygiene.engine;

import java.util.Collection;
import java.util.Locale;

/** The outcome for one workload: {@code fail} on any error, {@code warn} on any warning. */
public enum Verdict {
  PASS,
  WARN,
  FAIL,
  /** Not a Python service (or opted out): no rule was evaluated. */
  SKIPPED;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Verdict of(Collection<Finding> findings) {
    boolean warn = false;
    for (Finding f : findings) {
      if (f.severity() == Severity.ERROR) {
        return FAIL;
      }
      warn |= f.severity() == Severity.WARNING;
    }
    return warn ? WARN : PASS;
  }
}
