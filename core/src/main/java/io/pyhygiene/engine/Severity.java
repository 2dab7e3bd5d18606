package io.pyhygiene.engine;

import java.util.Locale;
import java.util.Optional;

/** How bad a finding is. Ordered from most to least severe. */
public enum Severity {
  ERROR,
  WARNING,
  INFO;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** One step less severe (info stays info). */
  public Severity lower() {
    return this == ERROR ? WARNING : INFO;
  }

  /** Whether this severity is at least as severe as {@code threshold}. */
  public boolean atLeast(Severity threshold) {
    return ordinal() <= threshold.ordinal();
  }

  public static Optional<Severity> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    for (Severity s : values()) {
      if (s.label().equalsIgnoreCase(text.trim())) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
