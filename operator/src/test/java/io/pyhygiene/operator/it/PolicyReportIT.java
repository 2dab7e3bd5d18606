package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 4: the {@code wgpolicyk8s.io/v1alpha2} PolicyReport {@code pyhygiene} of each namespace,
 * one result per (workload, rule), summary consistent with the results, gone when nothing in the
 * namespace is audited any more.
 */
class PolicyReportIT extends WithOperator {

  /** The report's results for one Deployment, keyed by rule. */
  static Map<String, JsonNode> resultsOf(JsonNode report, String deployment) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode r : report.path("results")) {
      if (deployment.equals(r.path("resources").path(0).path("name").asText())) {
        assertThat(out.put(r.path("rule").asText(), r))
            .as("one result per (workload, rule): %s/%s", deployment, r.path("rule").asText())
            .isNull();
      }
    }
    return out;
  }

  static JsonNode tree(GenericKubernetesResource r) {
    return Fixtures.JSON.valueToTree(r);
  }

  @Test
  void oneResultPerWorkloadAndRuleWithAConsistentSummaryAndGoneWhenNothingIsAudited() {
    String ns = cluster.createNamespace();
    String policy = ns + "-report";
    fx.applyPolicy(ns, "report", Map.of());
    fx.apply(Fixtures.deployment("bad.yaml", ns, "billing-web"));
    fx.apply(Fixtures.deployment("good.yaml", ns, "orders-api"));
    Deployment bad =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> fx.get(ns, "billing-web"), Fixtures::auditedCurrentGeneration);
    Deployment good =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> fx.get(ns, "orders-api"), Fixtures::auditedCurrentGeneration);
    Set<String> badRules = Fixtures.rules(bad);

    JsonNode report =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> {
                  GenericKubernetesResource r = fx.policyReport(ns);
                  return r == null ? null : tree(r);
                },
                r ->
                    r != null
                        && resultsOf(r, "billing-web").keySet().equals(badRules)
                        && resultsOf(r, "orders-api").size() == 1);

    assertThat(report.path("apiVersion").asText()).isEqualTo("wgpolicyk8s.io/v1alpha2");
    assertThat(report.path("kind").asText()).isEqualTo("PolicyReport");
    assertThat(report.path("metadata").path("name").asText()).isEqualTo("pyhygiene");
    assertThat(report.path("metadata").path("namespace").asText()).isEqualTo(ns);

    List<String> outcomes = new ArrayList<>();
    Set<String> workloads = new TreeSet<>();
    for (JsonNode r : report.path("results")) {
      assertThat(r.path("source").asText()).isEqualTo("pyhygiene");
      assertThat(r.path("policy").asText()).isEqualTo(policy);
      assertThat(r.path("result").asText()).isIn("pass", "fail", "warn");
      assertThat(r.path("resources")).hasSize(1);
      JsonNode res = r.path("resources").path(0);
      assertThat(res.path("apiVersion").asText()).isEqualTo("apps/v1");
      assertThat(res.path("kind").asText()).isEqualTo("Deployment");
      assertThat(res.path("namespace").asText()).isEqualTo(ns);
      String uid =
          res.path("name").asText().equals("billing-web")
              ? bad.getMetadata().getUid()
              : good.getMetadata().getUid();
      assertThat(res.path("uid").asText()).isEqualTo(uid);
      workloads.add(res.path("name").asText());
      outcomes.add(r.path("result").asText());
    }
    assertThat(workloads).containsExactly("billing-web", "orders-api");

    // results match the findings on the Deployment: error -> fail, warning -> warn
    Map<String, JsonNode> badResults = resultsOf(report, "billing-web");
    for (Fixtures.Finding f : Fixtures.findings(bad)) {
      JsonNode r = badResults.get(f.rule());
      assertThat(r.path("result").asText())
          .as(f.rule())
          .isEqualTo(
              f.severity().equals("error")
                  ? "fail"
                  : f.severity().equals("warning") ? "warn" : "pass");
      assertThat(r.path("message").asText()).as(f.rule()).isNotBlank();
    }
    assertThat(badResults.get("shell-wrapper").path("properties").path("containers").asText())
        .isEqualTo("web");
    assertThat(resultsOf(report, "orders-api").values())
        .singleElement()
        .satisfies(r -> assertThat(r.path("result").asText()).isEqualTo("pass"));

    // the summary counts the results
    JsonNode summary = report.path("summary");
    for (String outcome : List.of("pass", "fail", "warn", "error", "skip")) {
      assertThat(summary.path(outcome).asInt())
          .as("summary.%s", outcome)
          .isEqualTo(outcomes.stream().filter(outcome::equals).count());
    }
    assertThat(summary.path("pass").asInt()).isEqualTo(1);
    assertThat(summary.path("fail").asInt() + summary.path("warn").asInt())
        .isEqualTo(badRules.size());

    // the failing Deployment is deleted: its results go, the summary follows
    cluster.client().apps().deployments().inNamespace(ns).withName("billing-web").delete();
    JsonNode after =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> tree(fx.policyReport(ns)), r -> resultsOf(r, "billing-web").isEmpty());
    assertThat(after.path("results")).hasSize(1);
    assertThat(after.path("summary").path("pass").asInt()).isEqualTo(1);
    assertThat(after.path("summary").path("fail").asInt()).isZero();
    assertThat(after.path("summary").path("warn").asInt()).isZero();

    // the last audited Deployment opts out: no audited Deployment left, the report is gone
    fx.label(ns, "orders-api", "pyhygiene.io/runtime", "none");
    await().atMost(OperatorHarness.TIMEOUT).until(() -> fx.policyReport(ns) == null);
  }

  @Test
  void reportsAreKeptPerNamespace() {
    String ns1 = cluster.createNamespace();
    String ns2 = cluster.createNamespace();
    Map<String, Object> spec = new HashMap<>();
    spec.put(
        "namespaceSelector",
        Map.of(
            "matchExpressions",
            List.of(
                Map.of(
                    "key",
                    "kubernetes.io/metadata.name",
                    "operator",
                    "In",
                    "values",
                    List.of(ns1, ns2)))));
    fx.applyPolicyRaw(ns1 + "-both", spec);
    fx.apply(Fixtures.deployment("bad.yaml", ns1, "one"));
    fx.apply(Fixtures.deployment("good.yaml", ns2, "two"));

    JsonNode r1 =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> {
                  GenericKubernetesResource r = fx.policyReport(ns1);
                  return r == null ? null : tree(r);
                },
                r -> r != null && !resultsOf(r, "one").isEmpty());
    JsonNode r2 =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> {
                  GenericKubernetesResource r = fx.policyReport(ns2);
                  return r == null ? null : tree(r);
                },
                r -> r != null && !resultsOf(r, "two").isEmpty());
    Set<String> names1 = new HashSet<>();
    r1.path("results").forEach(r -> names1.add(r.path("resources").path(0).path("name").asText()));
    Set<String> names2 = new HashSet<>();
    r2.path("results").forEach(r -> names2.add(r.path("resources").path(0).path("name").asText()));
    assertThat(names1).containsExactly("one");
    assertThat(names2).containsExactly("two");
    assertThat(r2.path("summary").path("pass").asInt()).isEqualTo(1);
    assertThat(r2.path("summary").path("fail").asInt()).isZero();
  }
}
