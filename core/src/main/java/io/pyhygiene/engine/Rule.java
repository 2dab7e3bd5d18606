package io.pyhygiene.engine;

import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.WorkloadView;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** A hygiene rule: a pure function from a workload to findings. */
public interface Rule {

  RuleInfo info();

  default String id() {
    return info().id();
  }

  /** Every kind pyhygiene audits. */
  Set<WorkloadKind> ALL_KINDS = Set.copyOf(EnumSet.allOf(WorkloadKind.class));

  /**
   * The workload kinds whose pods the rule is about; the auditor does not run it on any other.
   * Every kind unless what Kubernetes does with that kind's pods makes the rule meaningless (then
   * {@link #kindsReason()} says why).
   */
  default Set<WorkloadKind> kinds() {
    return ALL_KINDS;
  }

  /** One line: why {@link #kinds()} leaves some kinds out; empty when it applies to all. */
  default String kindsReason() {
    return "";
  }

  /**
   * What image resolution ({@code --resolve-images}) changes in this rule's verdicts, for {@code
   * docs/rules.md}; empty when the image's config does not matter to it.
   */
  default String withImage() {
    return "";
  }

  /** Whether the operator's remediation can fix it: it is, when the rule carries a fix. */
  default boolean autoFixable() {
    return this instanceof FixableRule;
  }

  /** Findings with the rule's default severity; the auditor applies policy overrides. */
  List<Finding> check(WorkloadView workload, RuleContext context);

  /** A finding of this rule with its default severity and fix text. */
  default Finding finding(String container, String message) {
    return new Finding(id(), info().severity(), container, message, info().fix());
  }

  /** A finding of this rule at a severity of its own choosing (a graded rule). */
  default Finding finding(String container, Severity severity, String message) {
    return new Finding(id(), severity, container, message, info().fix());
  }

  /** A finding with a fix specific to this workload. */
  default Finding finding(String container, String message, String fix) {
    return new Finding(id(), info().severity(), container, message, fix);
  }
}
