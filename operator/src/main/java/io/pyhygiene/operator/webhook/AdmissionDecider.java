package io.pyhygiene.operator.webhook;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.PolicyMode;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.PodTemplates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides an admission request with the same policy selection and audit as the reconciler (one
 * {@link WorkloadAuditor}). Pure apart from reading the policy and namespace caches.
 *
 * <ul>
 *   <li>Audit: allowed, with audit annotations (verdict and rule ids) for the audit log.
 *   <li>Warn: also one warning per finding, rule id first.
 *   <li>Deny: {@code error} findings reject the request, naming the rules and how to exempt.
 * </ul>
 *
 * <p>An UPDATE that leaves the pod template as it was (scaling, labels, annotations, pyhygiene's
 * own metadata write) is never denied and gets no warnings: Deny guards what gets rolled out, and
 * must not block a {@code kubectl scale} in an incident.
 */
public final class AdmissionDecider {

  /** kubectl shows each warning on a line; the API server truncates long ones. */
  static final int MAX_WARNING = 240;

  private final WorkloadAuditor workloads;

  public AdmissionDecider(WorkloadAuditor workloads) {
    this.workloads = workloads;
  }

  /** The decision for a workload under the policies that select it now. */
  public AdmissionDecision decide(String operation, HasMetadata object, HasMetadata oldObject) {
    return decide(operation, object, oldObject, workloads.selecting(object));
  }

  /** The decision for a workload under these selecting policies. */
  public AdmissionDecision decide(
      String operation, HasMetadata object, HasMetadata oldObject, List<ActivePolicy> selecting) {
    if (selecting.isEmpty()) {
      return AdmissionDecision.allow();
    }
    CombinedAudit audit = workloads.audit(object, Observations.NONE, selecting);
    if (!audit.python()) {
      return AdmissionDecision.allow();
    }
    Set<String> ruleIds = new LinkedHashSet<>();
    List<String> errors = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    for (CombinedAudit.AttributedFinding af : audit.findings()) {
      Finding f = af.finding();
      ruleIds.add(f.rule());
      String where = f.container().isEmpty() ? "" : " [" + f.container() + "]";
      if (f.severity() == Severity.ERROR) {
        errors.add(f.rule() + where);
      }
      warnings.add(
          shorten(f.rule() + " (" + f.severity().label() + ")" + where + ": " + f.message()));
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put("verdict", audit.verdict().label());
    annotations.put("policy", String.join(",", audit.policyNames()));
    annotations.put("rules", String.join(",", ruleIds));
    annotations.put("mode", audit.mode().name());

    boolean templateChanged =
        !"UPDATE".equals(operation)
            || oldObject == null
            || !Objects.equals(template(object), template(oldObject));
    if (!templateChanged || audit.mode() == PolicyMode.Audit) {
      return new AdmissionDecision(true, "", List.of(), annotations, "allowed");
    }
    if (audit.mode() == PolicyMode.Deny && !errors.isEmpty()) {
      String message =
          "pyhygiene policy "
              + String.join(",", audit.policyNames())
              + " (mode Deny) rejects this "
              + WorkloadId.kindOf(object).kind()
              + ": "
              + String.join(", ", errors)
              + ". Fix them (see docs/rules.md), or waive rules with the annotations"
              + " pyhygiene.io/exempt: \""
              + String.join(
                  ",", errors.stream().map(e -> e.replaceAll(" \\[.*\\]$", "")).distinct().toList())
              + "\" and pyhygiene.io/exempt-reason: \"<why>\".";
      return new AdmissionDecision(false, message, warnings, annotations, "denied");
    }
    return new AdmissionDecision(
        true, "", warnings, annotations, warnings.isEmpty() ? "allowed" : "warned");
  }

  /** What the audit reads besides metadata: the pod template, wherever the kind keeps it. */
  private static Object template(HasMetadata o) {
    // a bare Pod: its spec (its metadata is not the template's)
    return o instanceof Pod p ? p.getSpec() : PodTemplates.of(o).orElse(null);
  }

  static String shorten(String s) {
    return s.length() <= MAX_WARNING ? s : s.substring(0, MAX_WARNING - 3) + "...";
  }
}
