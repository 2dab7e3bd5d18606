package io.pyhygiene.operator.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.PolicyMode;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyReportsTest {

  static final Map<String, RuleInfo> RULES = new HashMap<>();

  static {
    for (Rule r : RuleCatalog.all()) {
      RULES.put(r.id(), r.info());
    }
  }

  static AuditStore store(int failing, int passing) {
    AuditStore store =
        new AuditStore(Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));
    for (int i = 0; i < failing + passing; i++) {
      List<Finding> findings = new ArrayList<>();
      if (i < failing) {
        for (String rule :
            List.of(
                "shell-wrapper",
                "run-as-root",
                "grace-budget",
                "image-tag-mutable",
                "debug-enabled",
                "writable-root-fs",
                "seccomp-unset",
                "python-unbuffered")) {
          Severity s = RULES.get(rule).severity();
          findings.add(new Finding(rule, s, "web", "x".repeat(200) + " " + rule, "Fix."));
        }
      }
      WorkloadAudit w =
          new WorkloadAudit(
              "Deployment", "ns", "web-" + i, true, Verdict.of(findings), findings, List.of());
      store.put(
          new WorkloadId(WorkloadKind.DEPLOYMENT, "ns", "web-" + i),
          "uid-" + i,
          CombinedAudit.of(List.of(new CombinedAudit.PolicyAudit("p", PolicyMode.Audit, w))));
    }
    return store;
  }

  @Test
  void oneResultPerWorkloadAndRuleWithConsistentSummary() {
    ObjectNode r = PolicyReports.build("ns", store(2, 1).inNamespace("ns"), RULES);
    assertThat(r.get("apiVersion").asText()).isEqualTo("wgpolicyk8s.io/v1alpha2");
    assertThat(r.get("results")).hasSize(2 * 8 + 1);
    JsonNode summary = r.get("summary");
    assertThat(summary.get("fail").asInt()).isEqualTo(2 * 5);
    assertThat(summary.get("warn").asInt()).isEqualTo(2 * 3);
    assertThat(summary.get("pass").asInt()).isEqualTo(1);
    for (JsonNode result : r.get("results")) {
      assertThat(result.get("source").asText()).isEqualTo("pyhygiene");
      assertThat(result.get("resources").get(0).get("kind").asText()).isEqualTo("Deployment");
    }
    assertThat(r.get("metadata").has("annotations")).isFalse();
    assertThat(r.get("results").get(0).get("message").asText()).contains("xxxx");
  }

  @Test
  void largeNamespacesStayUnderTheLimitWithTheFullSummary() {
    ObjectNode r = PolicyReports.build("ns", store(1500, 500).inNamespace("ns"), RULES);
    assertThat(r.toString().length()).isLessThanOrEqualTo(PolicyReports.MAX_BYTES);
    JsonNode summary = r.get("summary");
    assertThat(summary.get("fail").asInt()).isEqualTo(1500 * 5);
    assertThat(summary.get("warn").asInt()).isEqualTo(1500 * 3);
    assertThat(summary.get("pass").asInt()).isEqualTo(500);
    assertThat(
            r.get("metadata").get("annotations").get(PolicyReports.TRUNCATED_ANNOTATION).asText())
        .contains("left out")
        .contains("summary counts everything");
    // What is kept is the most severe first.
    assertThat(r.get("results"))
        .allSatisfy(x -> assertThat(x.get("result").asText()).isEqualTo("fail"));
  }
}
