package io.pyhygiene.rules.policy;

import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.WorkloadView;
import java.util.List;

/** An exemption annotation without a reason. */
public final class ExemptionReasonMissingRule implements Rule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "exemption-reason-missing",
          Severity.INFO,
          Category.POLICY,
          "An exemption has no reason",
          "`pyhygiene.io/exempt` waives rules for one workload. Without"
              + " `pyhygiene.io/exempt-reason` nobody can tell later whether the waiver was a"
              + " considered decision or a way to make CI green.",
          "Add the annotation `pyhygiene.io/exempt-reason` explaining why the listed rules do not"
              + " apply.",
          """
      # reported
      annotations:
        pyhygiene.io/exempt: "python-pid1"
      # passes
      annotations:
        pyhygiene.io/exempt: "python-pid1"
        pyhygiene.io/exempt-reason: "worker.py installs a SIGTERM handler (see worker.py:12)"
      """);

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  public List<Finding> check(WorkloadView w, RuleContext ctx) {
    if (Auditor.exemptionAnnotation(w).isEmpty()) {
      return List.of();
    }
    String reason = w.annotations().get(Auditor.EXEMPT_REASON_ANNOTATION);
    if (reason != null && !reason.isBlank()) {
      return List.of();
    }
    return List.of(
        finding(
            "",
            "exempts "
                + String.join(", ", Auditor.exemptionAnnotation(w))
                + " without a "
                + Auditor.EXEMPT_REASON_ANNOTATION
                + " annotation."));
  }
}
