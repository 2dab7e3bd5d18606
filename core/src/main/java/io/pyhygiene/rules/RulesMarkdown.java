package io.pyhygiene.rules;

import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleInfo;
import java.util.List;

/** The rule catalogue as Markdown: the source of {@code docs/rules.md}. */
public final class RulesMarkdown {

  private RulesMarkdown() {}

  public static String render(List<Rule> rules) {
    StringBuilder md = new StringBuilder();
    md.append("# pyhygiene rules\n\n")
        .append("<!-- Generated from the rule catalogue by `pyhygiene rules -o markdown`; the build"
            + " rewrites this file and CI fails when it drifts. Do not edit by hand. -->\n\n")
        .append("Rule ids are a public contract: they never change. Severity decides the"
            + " verdict: `fail` on any error, `warn` on any warning, else `pass`. Policies can"
            + " switch rules off or change their severity (`spec.rules`), and a Deployment can"
            + " waive rules with the annotation `pyhygiene.io/exempt: \"rule-a,rule-b\"` plus"
            + " `pyhygiene.io/exempt-reason`.\n\n")
        .append("| id | severity | category | auto-fix | what it catches |\n")
        .append("|---|---|---|---|---|\n");
    for (Rule r : rules) {
      RuleInfo i = r.info();
      md.append("| [`").append(i.id()).append("`](#").append(i.id()).append(") | ")
          .append(i.severity().label()).append(" | ").append(i.category().label()).append(" | ")
          .append(r.autoFixable() ? "yes" : "no").append(" | ").append(i.title()).append(" |\n");
    }
    for (Rule r : rules) {
      RuleInfo i = r.info();
      md.append("\n## ").append(i.id()).append("\n\n")
          .append("**").append(i.title()).append(".** Severity `").append(i.severity().label())
          .append("`, category `").append(i.category().label()).append("`, ")
          .append(r.autoFixable() ? "auto-fixable by the operator's remediation."
              : "not auto-fixable.").append("\n\n")
          .append("**Why it matters.** ").append(i.why()).append("\n\n")
          .append("**How to fix.** ").append(i.fix()).append("\n\n")
          .append("**Example.**\n\n```yaml\n").append(i.example().stripTrailing())
          .append("\n```\n");
    }
    return md.toString();
  }
}
