package io.pyhygiene.engine;

/**
 * One rule violation on one workload. Messages never contain environment values or secrets.
 *
 * @param rule the rule id (a public contract)
 * @param severity the severity after policy overrides
 * @param container the container it concerns, or empty for the workload as a whole
 * @param message what is wrong, specific to this workload
 * @param fix how to fix it, ending with a period
 * @param assumption what the finding takes for granted that the manifest does not show (for example
 *     {@code start.sh does not end in exec}), or empty; such a finding is reported one severity
 *     lower unless the policy sets the rule's severity
 */
public record Finding(
    String rule,
    Severity severity,
    String container,
    String message,
    String fix,
    String assumption) {

  public Finding {
    assumption = assumption == null ? "" : assumption;
  }

  public Finding(String rule, Severity severity, String container, String message, String fix) {
    this(rule, severity, container, message, fix, "");
  }

  public boolean conditional() {
    return !assumption.isEmpty();
  }

  public Finding withSeverity(Severity s) {
    return new Finding(rule, s, container, message, fix, assumption);
  }

  /** The same finding, holding only if {@code condition} does (stated in its message). */
  public Finding assuming(String condition) {
    if (condition == null || condition.isEmpty()) {
      return this;
    }
    return new Finding(
        rule,
        severity,
        container,
        message + " (assuming " + condition + ")",
        fix,
        assumption.isEmpty() ? condition : assumption + "; " + condition);
  }
}
