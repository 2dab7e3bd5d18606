package io.pyhygiene.operator.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.PolicyMode;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.memory.StringPool;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedAuditsTest {

  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-03T00:00:00Z"), ZoneOffset.UTC);

  /** A copy made at run time, as the engine builds its messages: equal, not the same instance. */
  private static String fresh(String s) {
    return new StringBuilder(s).toString();
  }

  /** The audit of a Deployment {@code name} under policies "a" and "b", its own copy of all. */
  private static CombinedAudit audit(String name, String container) {
    List<CombinedAudit.PolicyAudit> policies = new ArrayList<>();
    for (String policy : List.of("a", "b")) {
      List<Finding> findings =
          List.of(
              new Finding(
                  fresh("run-as-root"),
                  Severity.ERROR,
                  fresh(container),
                  fresh("container " + container + " runs as root"),
                  fresh("Set `runAsNonRoot: true`.")),
              new Finding(
                  fresh("shell-wrapper"),
                  Severity.WARNING,
                  fresh(container),
                  fresh("sh -c wraps python"),
                  fresh("Use exec."),
                  fresh("start.sh does not end in exec")));
      policies.add(
          new CombinedAudit.PolicyAudit(
              fresh(policy),
              PolicyMode.Audit,
              new WorkloadAudit(
                  fresh("Deployment"),
                  fresh("shop"),
                  fresh(name),
                  true,
                  Verdict.of(findings),
                  findings,
                  List.of(fresh("debug-enabled")))));
    }
    return CombinedAudit.of(policies);
  }

  private static WorkloadId id(String name) {
    return new WorkloadId(WorkloadKind.DEPLOYMENT, "shop", name);
  }

  private static AuditStore.Entry entry(AuditStore store, String name) {
    return store.entries().stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void storedAuditsEqualThoseGivenAndShareWhatIsEqual() {
    AuditStore store = new AuditStore(CLOCK, new StringPool());
    CombinedAudit one = audit("web-1", "web");
    CombinedAudit two = audit("web-2", "web");

    store.put(id("web-1"), "u1", one);
    store.put(id("web-2"), "u2", two);

    CombinedAudit kept1 = entry(store, "web-1").audit();
    CombinedAudit kept2 = entry(store, "web-2").audit();
    assertThat(kept1).isEqualTo(one).hasSameHashCodeAs(one);
    assertThat(kept2).isEqualTo(two);
    assertThat(kept1.findings()).hasSize(2);
    for (int i = 0; i < 2; i++) {
      CombinedAudit.AttributedFinding f1 = kept1.findings().get(i);
      CombinedAudit.AttributedFinding f2 = kept2.findings().get(i);
      assertThat(f1).isSameAs(f2);
      assertThat(f1.policies()).containsExactly("a", "b");
    }
    // one finding instance for the union and every policy's audit, and across workloads
    Finding run = kept1.findings().get(0).finding();
    assertThat(kept1.policies().get(0).audit().findings().get(0)).isSameAs(run);
    assertThat(kept1.policies().get(1).audit().findings().get(0)).isSameAs(run);
    assertThat(kept2.policies().get(0).audit().findings().get(0)).isSameAs(run);
    assertThat(kept1.policies().get(0).audit().findings())
        .isSameAs(kept2.policies().get(0).audit().findings());
    // its strings are the pooled ones; the workloads' own stay apart
    assertThat(run.message()).isSameAs("container web runs as root");
    assertThat(run.rule()).isSameAs("run-as-root");
    assertThat(kept1.policies().get(0).audit().name()).isEqualTo("web-1");
    assertThat(kept2.policies().get(0).audit().name()).isEqualTo("web-2");
    assertThat(kept1.policies().get(0).audit().exemptedRules())
        .isSameAs(kept2.policies().get(0).audit().exemptedRules());
  }

  @Test
  void changeDetectionAndReportsAreAsWithoutSharing() {
    AuditStore store = new AuditStore(CLOCK, new StringPool());
    assertThat(store.put(id("web-1"), "u1", audit("web-1", "web"))).isTrue();
    assertThat(store.put(id("web-1"), "u1", audit("web-1", "web"))).isFalse(); // an equal audit
    assertThat(store.put(id("web-1"), "u1", audit("web-1", "app"))).isTrue();
    assertThat(store.put(id("web-2"), "u2", audit("web-2", "web"))).isTrue();

    // the report from the shared audits is the report from the audits as given
    List<AuditStore.Entry> given =
        List.of(
            new AuditStore.Entry(
                WorkloadKind.DEPLOYMENT,
                "shop",
                "web-1",
                "u1",
                audit("web-1", "app"),
                CLOCK.instant()),
            new AuditStore.Entry(
                WorkloadKind.DEPLOYMENT,
                "shop",
                "web-2",
                "u2",
                audit("web-2", "web"),
                CLOCK.instant()));
    List<AuditStore.Entry> stored = new ArrayList<>(store.inNamespace("shop"));
    stored.sort(Comparator.comparing(AuditStore.Entry::name));
    assertThat(stored).isEqualTo(given);
    assertThat(PolicyReports.build("shop", stored, PolicyReportsTest.RULES))
        .isEqualTo(PolicyReports.build("shop", given, PolicyReportsTest.RULES));
  }
}
