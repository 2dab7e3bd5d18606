package io.pyhygiene.workload.shell;

/**
 * The shell that runs a {@code -c} script, which decides whether its final command replaces it as
 * PID 1. Measured by running each shell as PID 1 of a fresh PID namespace (see DESIGN "Shells and
 * PID 1" and {@code ShellPid1GroundTruthTest}).
 */
public enum ShellDialect {
  /** dash 0.5.12, the {@code /bin/sh} of Debian/Ubuntu images: never execs implicitly. */
  DASH("dash"),
  /**
   * bash 5.2: execs the final simple command of the top-level list (after {@code ;}, {@code &&},
   * {@code ||}) unless it has redirections, is negated, sits in braces, a subshell or a compound
   * command, or the script sets any trap.
   */
  BASH("bash"),
  /**
   * busybox ash 1.35 (Alpine's {@code /bin/sh}): execs the final command even inside a final
   * subshell, brace group or {@code if}, and with redirections; not in a pipeline, in the
   * background, negated, or when the script sets a trap.
   */
  ASH("busybox ash");

  private final String label;

  ShellDialect(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public boolean execsFinalCommand() {
    return this != DASH;
  }
}
