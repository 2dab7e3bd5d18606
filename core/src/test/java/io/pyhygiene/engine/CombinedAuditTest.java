package io.pyhygiene.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.engine.CombinedAudit.PolicyAudit;
import java.util.List;
import org.junit.jupiter.api.Test;

class CombinedAuditTest {

  static WorkloadAudit audit(boolean python, Finding... findings) {
    return new WorkloadAudit(
        "Deployment",
        "ns",
        "api",
        python,
        python ? Verdict.of(List.of(findings)) : Verdict.SKIPPED,
        List.of(findings),
        List.of());
  }

  static Finding f(String rule, Severity s, String container) {
    return new Finding(rule, s, container, rule + " message", "Fix it.");
  }

  @Test
  void unionKeepsTheMostSevereAndNamesEveryPolicy() {
    CombinedAudit c =
        CombinedAudit.of(
            List.of(
                new PolicyAudit(
                    "strict",
                    PolicyMode.Deny,
                    audit(
                        true,
                        f("grace-budget", Severity.ERROR, "app"),
                        f("python-unbuffered", Severity.ERROR, "app"))),
                new PolicyAudit(
                    "base",
                    PolicyMode.Audit,
                    audit(
                        true,
                        f("python-unbuffered", Severity.WARNING, "app"),
                        f("alpine-python", Severity.WARNING, "app")))));
    assertThat(c.python()).isTrue();
    assertThat(c.mode()).isEqualTo(PolicyMode.Deny);
    assertThat(c.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(c.findings())
        .extracting(a -> a.finding().rule() + "/" + a.finding().severity() + "/" + a.policies())
        .containsExactly(
            "python-unbuffered/ERROR/[base, strict]",
            "grace-budget/ERROR/[strict]",
            "alpine-python/WARNING/[base]");
    assertThat(c.policyNames()).containsExactly("base", "strict");
  }

  @Test
  void policiesThatSkipTheWorkloadDoNotCount() {
    CombinedAudit c =
        CombinedAudit.of(
            List.of(
                new PolicyAudit("labels-only", PolicyMode.Deny, audit(false)),
                new PolicyAudit(
                    "auto", PolicyMode.Warn, audit(true, f("x", Severity.WARNING, "a")))));
    assertThat(c.mode()).isEqualTo(PolicyMode.Warn);
    assertThat(c.policyNames()).containsExactly("auto");
    assertThat(
            CombinedAudit.of(List.of(new PolicyAudit("p", PolicyMode.Deny, audit(false)))).python())
        .isFalse();
    assertThat(CombinedAudit.none().verdict()).isEqualTo(Verdict.SKIPPED);
  }
}
