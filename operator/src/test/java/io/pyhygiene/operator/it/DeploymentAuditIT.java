package io.pyhygiene.operator.it;

import static io.pyhygiene.operator.it.Fixtures.AUDITED_GENERATION;
import static io.pyhygiene.operator.it.Fixtures.POLICY;
import static io.pyhygiene.operator.it.Fixtures.VERDICT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.operator.it.Fixtures.Finding;
import io.pyhygiene.testkit.AuditLog;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, "What it writes": the verdict label and the findings/policy/audited-generation
 * annotations on Deployments, written as metadata only under field manager {@code pyhygiene}; they
 * follow changes to the Deployment; exemption annotations; VerdictChanged Events only on a change.
 */
class DeploymentAuditIT extends WithOperator {

  /** Waits until pyhygiene has audited the Deployment's current generation and returns it. */
  static Deployment awaitAudited(String ns, String name) {
    return await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(() -> fx.get(ns, name), Fixtures::auditedCurrentGeneration);
  }

  /** Waits until the deployment controller has seen the Deployment's latest generation. */
  static Deployment awaitControllerCaughtUp(String ns, String name) {
    return await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(() -> fx.get(ns, name), Fixtures::controllerCaughtUp);
  }

  @Test
  void verdictLabelAndAnnotationsAppearAsMetadataOnlyAndFollowTheDeployment() {
    String ns = cluster.createNamespace();
    String policy = ns + "-audit";
    fx.applyPolicy(ns, "audit", Map.of());
    fx.apply(Fixtures.deployment("bad.yaml", ns, "bad"));
    fx.apply(Fixtures.deployment("good.yaml", ns, "good"));

    // --- the bad one: verdict fail, compact findings naming rule, severity, container, policy
    Deployment bad = awaitAudited(ns, "bad");
    assertThat(Fixtures.labels(bad)).containsEntry(VERDICT, "fail");
    assertThat(Fixtures.annotations(bad))
        .containsEntry(POLICY, policy)
        .containsEntry(AUDITED_GENERATION, String.valueOf(bad.getMetadata().getGeneration()));
    List<Finding> findings = Fixtures.findings(bad);
    assertThat(findings)
        .contains(
            new Finding("shell-wrapper", "error", "web", policy),
            new Finding(
                "run-as-root", "warning", "web", policy), // root not ruled out (image unknown)
            new Finding("image-tag-mutable", "error", "web", policy),
            new Finding("writable-root-fs", "warning", "web", policy));
    assertThat(findings)
        .allSatisfy(
            f -> {
              assertThat(f.policy()).isEqualTo(policy);
              assertThat(f.severity()).isIn("error", "warning", "info");
            });
    // compact: no messages (which could quote the manifest), no whitespace
    String raw = Fixtures.annotations(bad).get(Fixtures.FINDINGS);
    assertThat(raw).doesNotContain(" ", "\n", "message");

    // --- its write is logged as a JSON line carrying the reconcile's MDC (DESIGN conventions)
    assertThat(op.logLines())
        .filteredOn(
            l ->
                l.contains("wrote pyhygiene metadata")
                    && l.contains("\"namespace\":\"" + ns + "\"")
                    && l.contains("\"name\":\"bad\""))
        .isNotEmpty()
        .allSatisfy(
            l ->
                assertThat(l)
                    .startsWith("{")
                    .contains("\"policy\":\"" + policy + "\"")
                    .containsPattern("\"reconcileId\":\"[0-9a-f]{8}\""));

    // --- the good one: verdict pass, no findings
    Deployment good = awaitAudited(ns, "good");
    assertThat(Fixtures.labels(good)).containsEntry(VERDICT, "pass");
    assertThat(Fixtures.annotations(good))
        .containsEntry(POLICY, policy)
        .containsEntry(Fixtures.FINDINGS, "[]");

    // --- field manager pyhygiene owns exactly its keys, and nothing of the spec
    for (Deployment d : List.of(bad, good)) {
      JsonNode owned =
          Fixtures.managedFields(d, "pyhygiene")
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "no managedFields entry of pyhygiene: " + Fixtures.managers(d)));
      assertThat(d.getMetadata().getManagedFields())
          .filteredOn(e -> "pyhygiene".equals(e.getManager()))
          .singleElement()
          .satisfies(e -> assertThat(e.getOperation()).isEqualTo("Apply"));
      assertThat(owned.path("f:metadata").path("f:labels").has("f:" + VERDICT)).isTrue();
      for (String key : List.of(Fixtures.FINDINGS, POLICY, AUDITED_GENERATION)) {
        assertThat(owned.path("f:metadata").path("f:annotations").has("f:" + key))
            .as("pyhygiene owns annotation %s", key)
            .isTrue();
      }
      assertThat(owned.has("f:spec")).as("pyhygiene owns nothing of the spec").isFalse();
      JsonNode gitops = Fixtures.managedFields(d, Fixtures.GITOPS).orElseThrow();
      assertThat(gitops.path("f:metadata").path("f:labels").has("f:" + VERDICT)).isFalse();
    }

    // --- metadata only: the deployment controller saw pyhygiene's write, and no new ReplicaSet
    for (String name : List.of("bad", "good")) {
      Deployment d = awaitControllerCaughtUp(ns, name);
      assertThat(Fixtures.auditedCurrentGeneration(d)).isTrue();
      assertThat(fx.replicaSets(ns, d.getMetadata().getUid()))
          .as("ReplicaSets of %s", name)
          .hasSize(1);
      assertThat(Fixtures.annotations(d)).containsEntry("deployment.kubernetes.io/revision", "1");
    }

    // --- fix the bad one (the user's new manifest): verdict pass, findings gone
    fx.apply(Fixtures.deployment("good.yaml", ns, "bad"));
    Deployment fixed =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "bad"),
                d -> Fixtures.auditedCurrentGeneration(d) && "pass".equals(Fixtures.verdict(d)));
    assertThat(Fixtures.annotations(fixed))
        .containsEntry(Fixtures.FINDINGS, "[]")
        .containsEntry(POLICY, policy);

    // --- break the good one: verdict fail with the new finding
    Deployment broken = Fixtures.deployment("good.yaml", ns, "good");
    broken
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setImage("ghcr.io/acme/orders-api:latest");
    fx.apply(broken);
    Deployment failing =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "good"),
                d -> Fixtures.auditedCurrentGeneration(d) && "fail".equals(Fixtures.verdict(d)));
    assertThat(Fixtures.findings(failing))
        .containsExactly(new Finding("image-tag-mutable", "error", "api", policy));

    // one new ReplicaSet each: the user's template change, none from pyhygiene's writes after it
    for (String name : List.of("bad", "good")) {
      Deployment d = awaitControllerCaughtUp(ns, name);
      assertThat(Fixtures.auditedCurrentGeneration(d)).isTrue();
      assertThat(fx.replicaSets(ns, d.getMetadata().getUid()))
          .as("ReplicaSets of %s", name)
          .hasSize(2);
      assertThat(Fixtures.annotations(d)).containsEntry("deployment.kubernetes.io/revision", "2");
    }
  }

  @Test
  void exemptionAnnotationRemovesTheRuleAndAMissingReasonIsReported() {
    String ns = cluster.createNamespace();
    String policy = ns + "-audit";
    fx.applyPolicy(ns, "audit", Map.of());
    fx.apply(Fixtures.deployment("bad.yaml", ns, "web"));
    Deployment d = awaitAudited(ns, "web");
    assertThat(Fixtures.rules(d))
        .contains("writable-root-fs", "seccomp-unset")
        .doesNotContain("exemption-reason-missing");

    // exempt two rules, with a reason
    fx.annotate(
        ns,
        "web",
        Map.of(
            "pyhygiene.io/exempt",
            "writable-root-fs,seccomp-unset",
            "pyhygiene.io/exempt-reason",
            "read-only fs breaks the vendor SDK; seccomp tracked in OPS-12"));
    Deployment exempted =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "web"),
                x ->
                    Fixtures.auditedCurrentGeneration(x)
                        && !Fixtures.rules(x).contains("writable-root-fs"));
    assertThat(Fixtures.rules(exempted))
        .doesNotContain("writable-root-fs", "seccomp-unset", "exemption-reason-missing")
        .contains("shell-wrapper", "run-as-root");
    assertThat(Fixtures.verdict(exempted)).isEqualTo("fail");

    // the same exemption without a reason: still waived, but reported (info, workload-level)
    fx.mergePatch(
        ns,
        "web",
        Map.of(
            "metadata",
            Map.of(
                "annotations",
                java.util.Collections.singletonMap("pyhygiene.io/exempt-reason", null))));
    Deployment noReason =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "web"),
                x ->
                    Fixtures.auditedCurrentGeneration(x)
                        && Fixtures.rules(x).contains("exemption-reason-missing"));
    assertThat(Fixtures.findings(noReason))
        .contains(new Finding("exemption-reason-missing", "info", null, policy));
    assertThat(Fixtures.rules(noReason)).doesNotContain("writable-root-fs", "seccomp-unset");

    // a second Deployment created with the exemption but no reason from the start
    Deployment other = Fixtures.deployment("bad.yaml", ns, "worker");
    other.getMetadata().setAnnotations(Map.of("pyhygiene.io/exempt", "run-as-root"));
    fx.apply(other);
    Deployment worker = awaitAudited(ns, "worker");
    assertThat(Fixtures.rules(worker))
        .contains("exemption-reason-missing", "shell-wrapper")
        .doesNotContain("run-as-root");
  }

  @Test
  void verdictChangedEventOnlyWhenTheVerdictChanges() throws Exception {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "audit", Map.of());
    fx.apply(Fixtures.deployment("bad.yaml", ns, "api"));
    awaitAudited(ns, "api");
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(() -> fx.events(ns, "api", "VerdictChanged").size() == 1);
    assertThat(fx.events(ns, "api", "VerdictChanged"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("fail");
              assertThat(e.getInvolvedObject().getKind()).isEqualTo("Deployment");
              assertThat(e.getInvolvedObject().getUid())
                  .isEqualTo(fx.get(ns, "api").getMetadata().getUid());
            });

    // reconciles that change nothing: an unrelated label touched twice (first let the namespace's
    // PolicyReport be published, so that nothing is pending)
    await().atMost(OperatorHarness.TIMEOUT).until(() -> fx.policyReport(ns) != null);
    Deployment before = fx.get(ns, "api");
    AuditLog.Mark mark = AuditLog.mark();
    for (String value : List.of("one", "two")) {
      double reconciles = op.deploymentReconciles();
      fx.label(ns, "api", "it.example/touched", value);
      await().atMost(OperatorHarness.TIMEOUT).until(() -> op.deploymentReconciles() > reconciles);
    }
    op.awaitSettled(); // whatever would follow the reconciles has been written
    assertThat(fx.events(ns, "api", "VerdictChanged")).hasSize(1);
    Deployment after = fx.get(ns, "api");
    assertThat(Fixtures.annotations(after))
        .containsEntry(AUDITED_GENERATION, Fixtures.annotations(before).get(AUDITED_GENERATION));
    assertThat(op.writesSince(mark))
        .as("pyhygiene writes after reconciles that changed nothing")
        .filteredOn(r -> ns.equals(r.namespace()))
        .isEmpty();

    // a real change of the verdict: one more Event
    fx.apply(Fixtures.deployment("good.yaml", ns, "api"));
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () -> fx.get(ns, "api"),
            d -> Fixtures.auditedCurrentGeneration(d) && "pass".equals(Fixtures.verdict(d)));
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(() -> fx.events(ns, "api", "VerdictChanged").size() == 2);
    assertThat(fx.events(ns, "api", "VerdictChanged"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains("pass").contains("was fail"));
    op.awaitSettled();
    assertThat(fx.events(ns, "api", "VerdictChanged")).hasSize(2);
  }
}
