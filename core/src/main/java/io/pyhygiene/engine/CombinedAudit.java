package io.pyhygiene.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The audit of one workload under every policy that selects it. Deterministic rule: findings are
 * the union over the policies, one per (rule, container) at its most severe, naming every policy
 * that produced it; the verdict follows from that union; the strictest mode wins (Deny over Warn
 * over Audit). See docs/policies.md.
 *
 * @param policies the selecting policies' audits, in policy-name order
 * @param python whether any policy treated the workload as a Python service
 * @param verdict the verdict of the union of findings
 * @param mode the strictest mode among the policies that treat it as Python
 * @param findings the union, most severe first
 */
public record CombinedAudit(
    List<PolicyAudit> policies,
    boolean python,
    Verdict verdict,
    PolicyMode mode,
    List<AttributedFinding> findings) {

  /**
   * One policy's audit.
   *
   * @param policy the policy's name
   * @param mode its mode
   * @param audit the engine's result under it
   */
  public record PolicyAudit(String policy, PolicyMode mode, WorkloadAudit audit) {}

  /**
   * A finding and the policies that produced it.
   *
   * @param finding the finding (its most severe form)
   * @param policies policy names, sorted
   */
  public record AttributedFinding(Finding finding, List<String> policies) {}

  /** No policy selects the workload. */
  public static CombinedAudit none() {
    return new CombinedAudit(List.of(), false, Verdict.SKIPPED, PolicyMode.Audit, List.of());
  }

  public static CombinedAudit of(List<PolicyAudit> audits) {
    List<PolicyAudit> sorted = new ArrayList<>(audits);
    sorted.sort(Comparator.comparing(PolicyAudit::policy));
    List<PolicyAudit> python = sorted.stream().filter(a -> a.audit().python()).toList();
    if (python.isEmpty()) {
      return new CombinedAudit(
          List.copyOf(sorted), false, Verdict.SKIPPED, PolicyMode.Audit, List.of());
    }
    Map<String, Finding> strongest = new LinkedHashMap<>();
    Map<String, TreeSet<String>> names = new LinkedHashMap<>();
    for (PolicyAudit pa : python) {
      for (Finding f : pa.audit().findings()) {
        String key = f.rule() + "\u0000" + f.container();
        Finding current = strongest.get(key);
        if (current == null || f.severity().compareTo(current.severity()) < 0) {
          strongest.put(key, f);
        }
        names.computeIfAbsent(key, k -> new TreeSet<>()).add(pa.policy());
      }
    }
    List<AttributedFinding> union = new ArrayList<>();
    strongest.forEach((key, f) -> union.add(new AttributedFinding(f, List.copyOf(names.get(key)))));
    union.sort(Comparator.comparing((AttributedFinding a) -> a.finding().severity()));
    PolicyMode mode =
        python.stream()
            .map(PolicyAudit::mode)
            .max(Comparator.comparingInt(PolicyMode::strictness))
            .orElse(PolicyMode.Audit);
    Verdict verdict = Verdict.of(union.stream().map(AttributedFinding::finding).toList());
    return new CombinedAudit(List.copyOf(sorted), true, verdict, mode, List.copyOf(union));
  }

  public List<String> policyNames() {
    return policies.stream().filter(p -> p.audit().python()).map(PolicyAudit::policy).toList();
  }
}
