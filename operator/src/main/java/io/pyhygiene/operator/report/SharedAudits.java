package io.pyhygiene.operator.report;

import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.CombinedAudit.AttributedFinding;
import io.pyhygiene.engine.CombinedAudit.PolicyAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.operator.memory.StringPool;
import io.pyhygiene.operator.memory.WeakInterner;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Rebuilds an audit the store keeps so that it shares with every other kept audit what equals
 * theirs: each finding (a record, equal across workloads built from the same template: at 10,000
 * Deployments 70k Findings and as many AttributedFindings, each with its own strings and policy
 * list), each list of findings or names, each string.
 *
 * <p>The rebuilt audit equals the one given (records and lists compare by content), so nothing read
 * from the store changes: reports, statuses, labels, the store's own change detection. Held weakly
 * ({@link WeakInterner}, {@link StringPool}): what only a removed audit used is collected. Done
 * where the store stores an audit (core's records are built by the engine, which keeps no state; an
 * audit that was not stored is not worth sharing).
 */
final class SharedAudits {

  private final StringPool strings;
  private final WeakInterner<Finding> findings = new WeakInterner<>();
  private final WeakInterner<AttributedFinding> attributed = new WeakInterner<>();
  private final WeakInterner<List<?>> lists = new WeakInterner<>();

  SharedAudits(StringPool strings) {
    this.strings = strings;
  }

  /** The pooled instance of a string the store keeps beside an audit (a name, a uid). */
  String string(String s) {
    return strings.of(s);
  }

  CombinedAudit of(CombinedAudit a) {
    return new CombinedAudit(
        map(a.policies(), this::policy), // holds the workload's name: not shared as a whole
        a.python(),
        a.verdict(),
        a.mode(),
        list(map(a.findings(), this::attributed)));
  }

  private PolicyAudit policy(PolicyAudit p) {
    WorkloadAudit w = p.audit();
    return new PolicyAudit(
        strings.of(p.policy()),
        p.mode(),
        w == null
            ? null
            : new WorkloadAudit(
                strings.of(w.kind()),
                strings.of(w.namespace()),
                strings.of(w.name()),
                w.python(),
                w.verdict(),
                list(map(w.findings(), this::finding)),
                list(map(w.exemptedRules(), strings::of))));
  }

  private AttributedFinding attributed(AttributedFinding a) {
    return attributed.of(
        new AttributedFinding(finding(a.finding()), list(map(a.policies(), strings::of))));
  }

  private Finding finding(Finding f) {
    // with its strings pooled before it is held: the one held is the one kept
    return f == null
        ? null
        : findings.of(
            new Finding(
                strings.of(f.rule()),
                f.severity(),
                strings.of(f.container()),
                strings.of(f.message()),
                strings.of(f.fix()),
                strings.of(f.assumption())));
  }

  @SuppressWarnings("unchecked")
  private <E> List<E> list(List<E> l) {
    return l == null ? null : (List<E>) lists.of(l);
  }

  /**
   * {@code in} mapped, unmodifiable as the engine's lists are (held by many audits once shared).
   */
  private static <E> List<E> map(List<E> in, UnaryOperator<E> f) {
    if (in == null) {
      return null;
    }
    List<E> out = new ArrayList<>(in.size());
    in.forEach(e -> out.add(f.apply(e)));
    return List.copyOf(out);
  }
}
