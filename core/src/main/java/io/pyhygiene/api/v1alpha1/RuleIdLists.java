package io.pyhygiene.api.v1alpha1;

/**
 * Placeholders for the rule-id lists in the CRD's CEL validations. Annotation values must be
 * compile-time constants, and the catalogue is only known once the rules are compiled, so the build
 * ({@code io.pyhygiene.generate.GeneratedFiles}) replaces these in the generated CRD with the
 * catalogue's ids: nothing lists rule ids by hand.
 */
public final class RuleIdLists {

  private RuleIdLists() {}

  /** Replaced by a CEL list of every rule id. */
  public static final String ALL = "RULE_IDS_ALL";

  /** Replaced by a CEL list of the ids of the auto-fixable rules. */
  public static final String FIXABLE = "RULE_IDS_FIXABLE";
}
