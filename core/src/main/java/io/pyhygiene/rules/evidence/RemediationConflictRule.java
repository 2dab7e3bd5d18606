package io.pyhygiene.rules.evidence;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.Observations.RemediationConflict;
import io.pyhygiene.workload.WorkloadView;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The remediation could not apply a fix because another field manager owns the field. */
public final class RemediationConflictRule implements Rule {

  private static final RuleInfo INFO = new RuleInfo(
      "remediation-conflict", Severity.WARNING, Category.POLICY,
      "A fix was not applied because another field manager owns the field",
      "pyhygiene never forces a field owned by another field manager (a GitOps tool, kubectl"
          + " apply, Helm): the source of truth would put the old value back and the two would"
          + " fight, each change rolling the Deployment. The conflict is reported instead."
          + " Operator only.",
      "Make the fix in the source of truth that owns the field (the Git repository, the Helm"
          + " values), or exempt the rule for this Deployment with a reason.",
      """
      # reported: remediation of run-as-root blocked,
      #   spec.template.spec.containers[name=app].securityContext.runAsUser is owned by argocd
      """);

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  public List<Finding> check(WorkloadView w, RuleContext ctx) {
    List<RemediationConflict> conflicts = w.observations().conflicts();
    if (conflicts.isEmpty()) {
      return List.of();
    }
    Map<String, List<RemediationConflict>> byRule = new TreeMap<>(conflicts.stream()
        .collect(Collectors.groupingBy(RemediationConflict::rule)));
    String detail = byRule.entrySet().stream()
        .map(e -> e.getKey() + " (" + e.getValue().stream()
            .map(c -> c.field() + " owned by " + c.manager()).distinct()
            .collect(Collectors.joining(", ")) + ")")
        .collect(Collectors.joining("; "));
    return List.of(finding("", "remediation blocked by another field manager: " + detail + "."));
  }
}
