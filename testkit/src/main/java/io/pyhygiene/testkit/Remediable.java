package io.pyhygiene.testkit;

import java.util.List;

/** What the tests that remediate ask pyhygiene to fix. */
public final class Remediable {

  /**
   * The auto-fixable rules a remediation policy names in the operator's and the fault suite's
   * remediation tests: the findings of their Deployments ({@code it/remediable.yaml}, the fault
   * suite's generated ones) that one rollout clears, all of them at once.
   */
  public static final List<String> RULES =
      List.of(
          "run-as-root",
          "privilege-escalation",
          "capabilities-not-dropped",
          "seccomp-unset",
          "python-unbuffered");

  private Remediable() {}
}
