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

/** An exemption annotation names a rule id that does not exist (usually a typo). */
public final class ExemptionUnknownRuleRule implements Rule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "exemption-unknown-rule",
          Severity.INFO,
          Category.POLICY,
          "An exemption names a rule that does not exist",
          "A misspelt rule id in `pyhygiene.io/exempt` waives nothing, so the finding it was meant"
              + " to waive keeps firing, or the typo hides that the exemption is stale.",
          "Use the ids listed by `pyhygiene rules` (see docs/rules.md) in `pyhygiene.io/exempt`.",
          """
      # reported
      annotations:
        pyhygiene.io/exempt: "python-pid-1"
      # passes
      annotations:
        pyhygiene.io/exempt: "python-pid1"
      """);

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  public List<Finding> check(WorkloadView w, RuleContext ctx) {
    List<String> unknown =
        Auditor.exemptionAnnotation(w).stream()
            .filter(id -> !ctx.knownRuleIds().contains(id))
            .toList();
    if (unknown.isEmpty()) {
      return List.of();
    }
    return List.of(
        finding(
            "",
            Auditor.EXEMPT_ANNOTATION
                + " names unknown rule"
                + (unknown.size() == 1 ? " " : "s ")
                + String.join(", ", unknown)
                + "."));
  }
}
