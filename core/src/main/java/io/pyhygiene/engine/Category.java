package io.pyhygiene.engine;

import java.util.Locale;

/** The area a rule belongs to. */
public enum Category {
  SIGNALS,
  SECURITY,
  RESOURCES,
  SHUTDOWN,
  RUNTIME,
  /** Findings about pyhygiene's own configuration on a workload, such as exemptions. */
  POLICY;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
