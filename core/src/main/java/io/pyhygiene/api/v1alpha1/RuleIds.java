package io.pyhygiene.api.v1alpha1;

/**
 * The rule ids as CEL list literals, for the CRD's validation rules (annotation values must be
 * compile-time constants). {@code RuleIdsTest} fails when they drift from the rule catalogue.
 */
public final class RuleIds {

  private RuleIds() {}

  /** Every rule id. */
  public static final String ALL = "['shell-wrapper', 'python-pid1', 'command-unknown',"
      + " 'run-as-root', 'privileged', 'privilege-escalation', 'capabilities-not-dropped',"
      + " 'writable-root-fs', 'seccomp-unset', 'memory-limit-missing', 'memory-request-missing',"
      + " 'memory-limit-out-of-bounds', 'worker-memory', 'grace-budget', 'prestop-missing',"
      + " 'readiness-probe-missing', 'python-unbuffered', 'image-tag-mutable', 'alpine-python',"
      + " 'python-eol', 'debug-enabled', 'plaintext-secret-env', 'shutdown-sigkilled', 'oom-killed',"
      + " 'remediation-conflict', 'exemption-reason-missing', 'exemption-unknown-rule']";

  /** The ids the operator can remediate. */
  public static final String FIXABLE = "['shell-wrapper', 'run-as-root',"
      + " 'privilege-escalation', 'capabilities-not-dropped', 'seccomp-unset',"
      + " 'memory-limit-missing', 'grace-budget', 'prestop-missing', 'python-unbuffered']";
}
