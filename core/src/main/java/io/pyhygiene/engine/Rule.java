package io.pyhygiene.engine;

import io.pyhygiene.workload.WorkloadView;
import java.util.List;

/** A hygiene rule: a pure function from a workload to findings. */
public interface Rule {

  RuleInfo info();

  default String id() {
    return info().id();
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
