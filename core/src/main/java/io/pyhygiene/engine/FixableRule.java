package io.pyhygiene.engine;

import java.util.List;

/**
 * A rule whose findings the operator can remediate: its fix, an edit of the pod template, sits
 * beside its check. Being one is what makes a rule auto-fixable (in the docs, the CRD's list of
 * remediable rules and the policy resolver); nothing lists fixable rules by hand.
 */
public interface FixableRule extends Rule {

  /**
   * Adds to {@code edits} what clears {@code findings} (this rule's findings on the workload as
   * patched by the fixes planned before it), or records with {@link TemplateEdits#cannotFix} why a
   * finding cannot be cleared. The planner checks every fix by re-auditing the patched workload, so
   * a fix states its intent and need not prove itself.
   */
  void fix(List<Finding> findings, TemplateEdits edits);

  /**
   * When this fix runs relative to the others, lowest first. A fix that depends on what other fixes
   * add (the grace period needed depends on the preStop hooks they add) runs later.
   */
  default int fixOrder() {
    return 0;
  }
}
