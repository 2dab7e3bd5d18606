package io.pyhygiene.rules.evidence;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.Observations.RemediationConflict;
import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.WorkloadView;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The remediation could not apply a fix because another field manager owns the field. */
public final class RemediationConflictRule implements Rule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "remediation-conflict",
          Severity.WARNING,
          Category.POLICY,
          "A fix was not applied because another field manager owns the field",
          "pyhygiene never forces a field that another manager owns through server-side apply (a"
              + " GitOps tool such as Argo CD or Flux, Helm 4, `kubectl apply --server-side`): the"
              + " source of truth would put the old value back and the two would fight, each change"
              + " rolling the workload. The conflict is reported instead. A field only ever written"
              + " with plain updates (kubectl create or edit, client-side kubectl apply) declares no"
              + " ownership and is taken. Operator only.",
          "Make the fix in the source of truth that owns the field (the Git repository, the Helm"
              + " values), or exempt the rule for this Deployment with a reason.",
          """
      # reported: remediation of run-as-root blocked,
      #   spec.template.spec.containers[name=app].securityContext.runAsUser is owned by argocd
      """);

  /** Kinds whose pod template the remediation may patch (rolling their pods, or the next run). */
  private static final Set<WorkloadKind> PATCHABLE =
      Set.copyOf(
          EnumSet.of(
              WorkloadKind.DEPLOYMENT,
              WorkloadKind.STATEFUL_SET,
              WorkloadKind.DAEMON_SET,
              WorkloadKind.CRON_JOB));

  @Override
  public Set<WorkloadKind> kinds() {
    return PATCHABLE;
  }

  @Override
  public String kindsReason() {
    return "only kinds whose pod template the remediation patches can have a blocked patch: a"
        + " Job's template is immutable, a bare Pod's spec cannot be patched, and a ReplicaSet"
        + " does not replace its running pods when its template changes";
  }

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
    Map<String, List<RemediationConflict>> byRule =
        new TreeMap<>(conflicts.stream().collect(Collectors.groupingBy(RemediationConflict::rule)));
    String detail =
        byRule.entrySet().stream()
            .map(
                e ->
                    e.getKey()
                        + " ("
                        + e.getValue().stream()
                            .map(c -> c.field() + " owned by " + c.manager())
                            .distinct()
                            .collect(Collectors.joining(", "))
                        + ")")
            .collect(Collectors.joining("; "));
    return List.of(finding("", "remediation blocked by another field manager: " + detail + "."));
  }
}
