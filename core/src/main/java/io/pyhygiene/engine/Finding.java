package io.pyhygiene.engine;

/**
 * One rule violation on one workload. Messages never contain environment values or secrets.
 *
 * @param rule the rule id (a public contract)
 * @param severity the severity after policy overrides
 * @param container the container it concerns, or empty for the workload as a whole
 * @param message what is wrong, specific to this workload
 * @param fix how to fix it, ending with a period
 */
public record Finding(String rule, Severity severity, String container, String message, String fix) {

  public Finding withSeverity(Severity s) {
    return new Finding(rule, s, container, message, fix);
  }
}
