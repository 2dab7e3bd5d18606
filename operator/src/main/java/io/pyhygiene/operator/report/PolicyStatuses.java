package io.pyhygiene.operator.report;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicyStatus;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.policy.ActivePolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/** Computes a policy's status from the audit store. Pure. */
public final class PolicyStatuses {

  private PolicyStatuses() {}

  public static PythonHygienePolicyStatus compute(
      ActivePolicy policy,
      List<AuditStore.Entry> entries,
      PythonHygienePolicyStatus previous,
      Instant now) {
    PythonHygienePolicyStatus s = new PythonHygienePolicyStatus();
    s.setObservedGeneration(policy.generation());
    int matched = 0;
    int pass = 0;
    int warn = 0;
    int fail = 0;
    TreeMap<String, Integer> violations = new TreeMap<>();
    for (AuditStore.Entry e : entries) {
      for (CombinedAudit.PolicyAudit pa : e.audit().policies()) {
        if (!pa.policy().equals(policy.name()) || !pa.audit().python()) {
          continue;
        }
        matched++;
        if (pa.audit().verdict() == Verdict.PASS) {
          pass++;
        } else if (pa.audit().verdict() == Verdict.WARN) {
          warn++;
        } else if (pa.audit().verdict() == Verdict.FAIL) {
          fail++;
        }
        for (Finding f : pa.audit().findings()) {
          violations.merge(f.rule(), 1, Integer::sum);
        }
      }
    }
    s.setMatched(matched);
    s.setPassing(pass);
    s.setWarning(warn);
    s.setFailing(fail);
    // An empty map is left out: server-side apply turns {} into null, which the schema rejects.
    s.setViolations(violations.isEmpty() ? null : violations);
    List<Condition> conditions = new ArrayList<>();
    String invalidMessage = String.join("; ", policy.errors());
    conditions.add(
        condition(
            previous,
            "Ready",
            policy.valid() ? "True" : "False",
            policy.valid() ? "Audited" : "InvalidSpec",
            policy.valid() ? "audited " + matched + " Python workloads" : invalidMessage,
            policy.generation(),
            now));
    conditions.add(
        condition(
            previous,
            "Invalid",
            policy.valid() ? "False" : "True",
            policy.valid() ? "SpecValid" : "InvalidSpec",
            policy.valid() ? "the spec is valid" : invalidMessage,
            policy.generation(),
            now));
    s.setConditions(conditions);
    return s;
  }

  /** A condition whose lastTransitionTime moves only when its status changes. */
  private static Condition condition(
      PythonHygienePolicyStatus previous,
      String type,
      String status,
      String reason,
      String message,
      long generation,
      Instant now) {
    String since = now.toString();
    if (previous != null && previous.getConditions() != null) {
      for (Condition c : previous.getConditions()) {
        if (type.equals(c.getType())
            && status.equals(c.getStatus())
            && c.getLastTransitionTime() != null) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }

  /** Whether two statuses say the same thing (ignoring transition times). */
  public static boolean same(PythonHygienePolicyStatus a, PythonHygienePolicyStatus b) {
    if (a == null || b == null) {
      return a == b;
    }
    return Objects.equals(a.getObservedGeneration(), b.getObservedGeneration())
        && Objects.equals(a.getMatched(), b.getMatched())
        && Objects.equals(a.getPassing(), b.getPassing())
        && Objects.equals(a.getWarning(), b.getWarning())
        && Objects.equals(a.getFailing(), b.getFailing())
        && Objects.equals(nz(a.getViolations()), nz(b.getViolations()))
        && conditionsKey(a).equals(conditionsKey(b));
  }

  private static Object nz(java.util.Map<String, Integer> m) {
    return m == null ? java.util.Map.of() : new TreeMap<>(m);
  }

  private static List<String> conditionsKey(PythonHygienePolicyStatus s) {
    List<String> out = new ArrayList<>();
    if (s.getConditions() != null) {
      for (Condition c : s.getConditions()) {
        out.add(
            c.getType()
                + "|"
                + c.getStatus()
                + "|"
                + c.getReason()
                + "|"
                + c.getMessage()
                + "|"
                + c.getObservedGeneration());
      }
    }
    out.sort(String::compareTo);
    return out;
  }
}
