package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pyhygiene.testkit.RealCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Malformed and hostile PythonHygienePolicies against the real API server with the generated CRD,
 * and an operator process running: each is rejected by the CRD (OpenAPI / CEL, 4xx) or, when the
 * API server stores it, the operator reports it (status.observedGeneration, condition Invalid when
 * the resolver rejects it) and keeps running.
 */
class HostilePolicyFaultIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  @RegisterExtension final Reliability report = new Reliability();

  /** Expectation of a case: rejected at the API, reported Invalid, or any outcome but no crash. */
  enum Expect {
    REJECTED,
    INVALID,
    REJECTED_OR_INVALID,
    SURVIVES
  }

  record Hostile(String name, Expect expect, Map<String, Object> spec) {}

  static Map<String, Object> nested(int depth) {
    Map<String, Object> m = new HashMap<>(Map.of("leaf", "x"));
    for (int i = 0; i < depth; i++) {
      m = new HashMap<>(Map.of("n", m));
    }
    return m;
  }

  static List<Hostile> cases() {
    String mib = "v".repeat(1 << 20);
    List<Map<String, Object>> manyExpressions = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      manyExpressions.add(
          Map.of("key", "k" + i, "operator", "In", "values", List.of("a", "b", "c")));
    }
    Map<String, Object> manyLabels = new LinkedHashMap<>();
    for (int i = 0; i < 5_000; i++) {
      manyLabels.put("label-" + i, "value-" + i);
    }
    return List.of(
        new Hostile(
            "unknown-rule",
            Expect.REJECTED,
            Map.of("rules", Map.of("no-such-rule", Map.of("enabled", false)))),
        new Hostile("unknown-mode", Expect.REJECTED, Map.of("mode", "Obliterate")),
        new Hostile(
            "negative-margin", Expect.REJECTED, Map.of("shutdown", Map.of("marginSeconds", -5))),
        new Hostile(
            "absurd-margin",
            Expect.REJECTED,
            Map.of("shutdown", Map.of("marginSeconds", Long.MAX_VALUE))),
        new Hostile("root-uid", Expect.REJECTED, Map.of("runAsUser", 0)),
        new Hostile("negative-uid", Expect.REJECTED, Map.of("runAsUser", -1)),
        new Hostile(
            "absurd-rollouts",
            Expect.REJECTED,
            Map.of("remediation", Map.of("enabled", true, "maxConcurrentRollouts", 1_000_000_000))),
        new Hostile(
            "min-over-max", Expect.REJECTED, Map.of("memory", Map.of("min", "1Ei", "max", "1Ki"))),
        new Hostile(
            "absurd-memory",
            Expect.REJECTED_OR_INVALID,
            Map.of("memory", Map.of("max", "99999999999999999999999999Ei"))),
        new Hostile(
            "not-a-quantity", Expect.REJECTED, Map.of("memory", Map.of("perWorker", "lots"))),
        new Hostile(
            "exemption-unknown-rule",
            Expect.REJECTED,
            Map.of("exemptions", List.of(Map.of("rules", List.of("nope"), "reason", "x")))),
        new Hostile(
            "mib-reason",
            Expect.REJECTED,
            Map.of("exemptions", List.of(Map.of("rules", List.of("run-as-root"), "reason", mib)))),
        new Hostile(
            "mib-label-value",
            Expect.REJECTED_OR_INVALID,
            Map.of("selector", Map.of("matchLabels", Map.of("app", mib)))),
        new Hostile(
            "bogus-selector-operator",
            Expect.REJECTED_OR_INVALID,
            Map.of(
                "selector",
                Map.of(
                    "matchExpressions",
                    List.of(Map.of("key", "app", "operator", "Bogus", "values", List.of("x")))))),
        new Hostile(
            "huge-selector-expressions",
            Expect.SURVIVES,
            Map.of("selector", Map.of("matchExpressions", manyExpressions))),
        new Hostile(
            "huge-selector-labels",
            Expect.SURVIVES,
            Map.of("namespaceSelector", Map.of("matchLabels", manyLabels))),
        new Hostile(
            "deep-nesting-unknown-field",
            Expect.SURVIVES,
            Map.of("mode", "Audit", "extra", nested(200))),
        new Hostile(
            "deep-nesting-in-selector",
            Expect.REJECTED_OR_INVALID,
            Map.of("selector", Map.of("matchLabels", nested(60)))),
        new Hostile(
            "wrong-types",
            Expect.REJECTED,
            Map.of("rules", List.of("a", "b"), "kinds", "Deployment")));
  }

  @Test
  @Timeout(600)
  @DisplayName(
      "malformed and hostile policies: rejected by the CRD or reported Invalid; the operator keeps running")
  void hostilePoliciesAreRejectedOrReported() throws Exception {
    var client = cluster.client();
    Cluster.applyCrds(client);
    Map<String, String> outcomes = new LinkedHashMap<>();
    int rejected = 0;
    int invalid = 0;
    int stored = 0;
    try (OperatorProcess op = OperatorProcess.start("hostile-policies", null, Map.of())) {
      op.awaitReady(Duration.ofSeconds(90));
      for (Hostile h : cases()) {
        GenericKubernetesResource policy = Cluster.policy("faults-" + h.name(), h.spec());
        GenericKubernetesResource created;
        try {
          created = client.genericKubernetesResources(Cluster.POLICIES).resource(policy).create();
        } catch (KubernetesClientException e) {
          assertThat(h.expect())
              .as("%s was rejected (%d): %s", h.name(), e.getCode(), e.getMessage())
              .isIn(Expect.REJECTED, Expect.REJECTED_OR_INVALID, Expect.SURVIVES);
          assertThat(e.getCode())
              .as("%s: a client error, not a server crash", h.name())
              .isBetween(400, 499);
          outcomes.put(h.name(), "rejected " + e.getCode());
          rejected++;
          continue;
        }
        cluster.deleteAfterTest(created);
        assertThat(h.expect())
            .as("%s was stored by the API server", h.name())
            .isNotEqualTo(Expect.REJECTED);
        stored++;
        long generation = created.getMetadata().getGeneration();
        GenericKubernetesResource seen =
            await()
                .atMost(Duration.ofSeconds(60))
                .until(
                    () ->
                        client
                            .genericKubernetesResources(Cluster.POLICIES)
                            .withName(created.getMetadata().getName())
                            .get(),
                    p ->
                        p != null
                            && p.getAdditionalProperties().get("status") instanceof Map<?, ?> st
                            && Long.valueOf(generation)
                                .equals(asLong(st.get("observedGeneration"))));
        boolean isInvalid = conditionTrue(seen, "Invalid");
        if (h.expect() == Expect.INVALID || h.expect() == Expect.REJECTED_OR_INVALID) {
          assertThat(isInvalid)
              .as(
                  "%s: reported Invalid in status %s",
                  h.name(), seen.getAdditionalProperties().get("status"))
              .isTrue();
        }
        invalid += isInvalid ? 1 : 0;
        outcomes.put(h.name(), isInvalid ? "stored, Invalid in status" : "stored, accepted");
        assertThat(op.alive())
            .as("the operator still runs after %s; log: %s", h.name(), op.tailLog(1500))
            .isTrue();
      }
      assertThat(op.status("/readyz")).as("the operator is still ready").isEqualTo(200);
    }
    report
        .injected(
            cases().size()
                + " policies: unknown rule ids, an unknown mode, negative and"
                + " absurd numbers, min > max, a 1 MiB reason and a 1 MiB label value, an unknown"
                + " selector operator, 2,000 match expressions, 5,000 namespace labels, 200-deep"
                + " nesting (unknown field and in a selector), wrong JSON types; created against the"
                + " real API server with an operator process running.")
        .observed(
            "Every policy was rejected by the API server with a 4xx or stored and then"
                + " reported by the operator in status; the operator never exited.")
        .figure("rejected by the API server", rejected)
        .figure("stored", stored)
        .figure("reported Invalid", invalid)
        .figure("outcomes", outcomes);
  }

  private static Long asLong(Object o) {
    return o instanceof Number n ? n.longValue() : null;
  }

  private static boolean conditionTrue(GenericKubernetesResource p, String type) {
    if (!(p.getAdditionalProperties().get("status") instanceof Map<?, ?> st)
        || !(st.get("conditions") instanceof List<?> conditions)) {
      return false;
    }
    return conditions.stream()
        .anyMatch(
            c ->
                c instanceof Map<?, ?> m
                    && type.equals(m.get("type"))
                    && "True".equals(m.get("status")));
  }
}
