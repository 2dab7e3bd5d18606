package io.pyhygiene.engine;

import io.pyhygiene.workload.WorkloadView;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evaluates workloads against the rule catalogue: the one engine behind the CLI, the reconciler and
 * the admission webhook. Pure: no I/O, no static state, time from the injected clock.
 */
public final class Auditor {

  /** Comma-separated rule ids a workload's owner waives. */
  public static final String EXEMPT_ANNOTATION = "pyhygiene.io/exempt";

  /** Why; an exemption without one is itself reported. */
  public static final String EXEMPT_REASON_ANNOTATION = "pyhygiene.io/exempt-reason";

  private final List<Rule> rules;
  private final Clock clock;
  private final Set<String> ruleIds;
  private final Map<String, Integer> catalogueOrder = new HashMap<>();

  public Auditor(List<Rule> rules, Clock clock) {
    this.rules = List.copyOf(rules);
    this.clock = clock;
    Set<String> ids = new LinkedHashSet<>();
    for (Rule r : this.rules) {
      if (!ids.add(r.id())) {
        throw new IllegalArgumentException("duplicate rule id " + r.id());
      }
      catalogueOrder.put(r.id(), catalogueOrder.size());
    }
    this.ruleIds = Set.copyOf(ids);
  }

  public List<Rule> rules() {
    return rules;
  }

  /** The rule with this id, if the catalogue has it. */
  public Optional<Rule> rule(String id) {
    Integer at = catalogueOrder.get(id);
    return at == null ? Optional.empty() : Optional.of(rules.get(at));
  }

  /** The rule's place in the catalogue (report order); unknown ids sort last. */
  public int position(String id) {
    return catalogueOrder.getOrDefault(id, Integer.MAX_VALUE);
  }

  public WorkloadAudit audit(WorkloadView workload, AuditPolicy policy) {
    if (!policy.kinds().contains(workload.workloadKind())
        || !workload.isPythonService(policy.labelOnly())) {
      return new WorkloadAudit(
          workload.kind(),
          workload.namespace(),
          workload.name(),
          false,
          Verdict.SKIPPED,
          List.of(),
          List.of());
    }
    LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    RuleContext context = new RuleContext(policy, today, ruleIds);
    Set<String> exempted = exemptedRules(workload, policy);
    List<Finding> findings = new ArrayList<>();
    for (Rule rule : rules) {
      String id = rule.id();
      // A rule about what Kubernetes does with some kinds' pods only is not run on the others.
      if (!policy.enabled(id)
          || exempted.contains(id)
          || !rule.kinds().contains(workload.workloadKind())) {
        continue;
      }
      AuditPolicy.RuleOverride override = policy.rules().get(id);
      for (Finding f : rule.check(workload, context)) {
        // A policy's severity wins; otherwise the rule's own (some rules grade their findings),
        // one step lower when the finding rests on an assumption the manifest does not show.
        Severity severity =
            override != null && override.severity() != null
                ? override.severity()
                : f.conditional() ? f.severity().lower() : f.severity();
        findings.add(f.withSeverity(severity));
      }
    }
    findings.sort(
        Comparator.comparing(Finding::severity)
            .thenComparing(f -> catalogueOrder.getOrDefault(f.rule(), Integer.MAX_VALUE))
            .thenComparing(Finding::container));
    return new WorkloadAudit(
        workload.kind(),
        workload.namespace(),
        workload.name(),
        true,
        Verdict.of(findings),
        List.copyOf(findings),
        List.copyOf(new TreeSet<>(exempted)));
  }

  /** Rule ids waived by the workload's annotation or by a matching policy exemption. */
  private Set<String> exemptedRules(WorkloadView workload, AuditPolicy policy) {
    Set<String> out = new LinkedHashSet<>(exemptionAnnotation(workload));
    for (AuditPolicy.Exemption e : policy.exemptions()) {
      if (e.namespace() != null && !e.namespace().equals(workload.namespace())) {
        continue;
      }
      if (e.name() != null && !nameMatches(e.name(), workload.name())) {
        continue;
      }
      if (!LabelSelectors.matches(e.selector(), workload.labels())) {
        continue;
      }
      out.addAll(e.rules());
    }
    // Findings about exemptions themselves cannot be exempted away.
    out.removeIf(id -> id.startsWith("exemption-"));
    return out;
  }

  private static boolean nameMatches(String pattern, String name) {
    return pattern.endsWith("*")
        ? name.startsWith(pattern.substring(0, pattern.length() - 1))
        : pattern.equals(name);
  }

  /** The rule ids listed in {@value #EXEMPT_ANNOTATION}, trimmed, in order. */
  public static List<String> exemptionAnnotation(WorkloadView workload) {
    String raw = workload.annotations().get(EXEMPT_ANNOTATION);
    List<String> ids = new ArrayList<>();
    if (raw != null) {
      for (String part : raw.split(",")) {
        String id = part.trim();
        if (!id.isEmpty()) {
          ids.add(id);
        }
      }
    }
    return ids;
  }
}
