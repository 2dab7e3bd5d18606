package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.operator.it.Fixtures.Finding;
import io.pyhygiene.testkit.AuditLog;
import io.pyhygiene.testkit.Remediable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, remediation: all fixes in ONE server-side apply of the pod template (one new ReplicaSet)
 * under field manager {@code pyhygiene}; a field another manager owns is never forced
 * (remediation-conflict finding and Event, the other fixes still land in one rollout); dry run
 * changes nothing but shows a preview; a later metadata-only write keeps the fixes.
 */
class RemediationIT extends WithOperator {

  static final List<String> FIXED_RULES = Remediable.RULES;

  static Map<String, Object> remediation(boolean dryRun) {
    return Map.of("remediation", Map.of("enabled", true, "dryRun", dryRun, "rules", FIXED_RULES));
  }

  static Container container(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /**
   * Once settled, the operator changes nothing more on the namespace's Deployments: no fight over
   * fields, no write loop (a loop would write again before the reconciler is idle and a publishing
   * round has passed). A reconcile may still re-check remediation with a server-side dry run, or
   * retry the non-forced apply and get 409 again: neither is stored.
   */
  static void assertNoOperatorWrites(String ns) throws Exception {
    AuditLog.Mark mark = AuditLog.mark();
    op.awaitSettled();
    List<AuditLog.Request> writes =
        op.writesSince(mark).stream()
            .filter(r -> r.resource().equals("deployments") && r.namespace().equals(ns))
            .toList();
    assertThat(writes)
        .as("pyhygiene's stored Deployment writes in %s once settled", ns)
        .filteredOn(AuditLog.Request::persisted)
        .isEmpty();
    if (!writes.isEmpty()) {
      System.out.println("[RemediationIT] not stored: " + writes);
    }
  }

  static boolean settled(Deployment d) {
    return Fixtures.auditedCurrentGeneration(d) && Fixtures.controllerCaughtUp(d);
  }

  @Test
  void severalFixesLandInOneRolloutOwnedByPyhygieneAndSurviveALaterMetadataWrite()
      throws Exception {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "fix", remediation(false));
    Deployment created = fx.apply(Fixtures.deployment("remediable.yaml", ns, "worker"));
    String uid = created.getMetadata().getUid();

    Deployment fixed =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "worker"), d -> settled(d) && "pass".equals(Fixtures.verdict(d)));
    assertThat(Fixtures.rules(fixed)).doesNotContainAnyElementsOf(FIXED_RULES).isEmpty();

    // the fixes are in the pod template
    Container c = container(fixed);
    assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(c.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(
            fixed
                .getSpec()
                .getTemplate()
                .getSpec()
                .getSecurityContext()
                .getSeccompProfile()
                .getType())
        .isEqualTo("RuntimeDefault");
    assertThat(c.getEnv())
        .extracting(EnvVar::getName, EnvVar::getValue)
        .contains(org.assertj.core.groups.Tuple.tuple("PYTHONUNBUFFERED", "1"));
    // the user's fields are untouched
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getImage()).isEqualTo("ghcr.io/acme/reports-worker:1.4.0");

    // ONE rollout: exactly one new ReplicaSet, also once everything has settled
    assertThat(fx.replicaSets(ns, uid)).hasSize(2);
    assertThat(Fixtures.annotations(fixed)).containsEntry("deployment.kubernetes.io/revision", "2");
    assertNoOperatorWrites(ns);
    assertThat(fx.replicaSets(ns, uid)).hasSize(2);
    assertThat(fx.events(ns, "worker", "Remediated"))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("run-as-root", "python-unbuffered"));

    // field manager pyhygiene owns the fixed fields
    JsonNode owned = Fixtures.managedFields(fixed, "pyhygiene").orElseThrow();
    JsonNode containerFields =
        owned
            .path("f:spec")
            .path("f:template")
            .path("f:spec")
            .path("f:containers")
            .path("k:{\"name\":\"worker\"}");
    JsonNode sc = containerFields.path("f:securityContext");
    assertThat(sc.has("f:runAsNonRoot")).isTrue();
    assertThat(sc.has("f:runAsUser")).isTrue();
    assertThat(sc.has("f:allowPrivilegeEscalation")).isTrue();
    assertThat(sc.path("f:capabilities").has("f:drop")).isTrue();
    assertThat(containerFields.path("f:env").has("k:{\"name\":\"PYTHONUNBUFFERED\"}")).isTrue();
    assertThat(
            owned
                .path("f:spec")
                .path("f:template")
                .path("f:spec")
                .path("f:securityContext")
                .path("f:seccompProfile")
                .has("f:type"))
        .isTrue();
    assertThat(sc.has("f:readOnlyRootFilesystem"))
        .as("the user's field stays the user's")
        .isFalse();

    // a later metadata-only write by pyhygiene (the findings change: an exemption without a
    // reason) keeps every fix, and causes no rollout
    long generation = fixed.getMetadata().getGeneration();
    fx.annotate(ns, "worker", Map.of("pyhygiene.io/exempt", "debug-enabled"));
    Deployment later =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "worker"),
                d ->
                    settled(d)
                        && d.getMetadata().getGeneration() > generation + 1
                        && Fixtures.rules(d).contains("exemption-reason-missing"));
    assertThat(later.getSpec().getTemplate()).isEqualTo(fixed.getSpec().getTemplate());
    assertThat(Fixtures.managedFields(later, "pyhygiene").orElseThrow().path("f:spec"))
        .isEqualTo(owned.path("f:spec"));
    assertThat(fx.replicaSets(ns, uid)).hasSize(2);
    assertThat(Fixtures.rules(later)).doesNotContainAnyElementsOf(FIXED_RULES);
    assertNoOperatorWrites(ns);
  }

  @Test
  void aFieldOwnedByAnotherManagerIsNotForcedAndTheOtherFixesStillLandInOneRollout()
      throws Exception {
    String ns = cluster.createNamespace();
    String policy = ns + "-fix";
    fx.applyPolicy(ns, "fix", remediation(false));
    // the GitOps tool owns runAsUser: 0 (so run-as-root's fix, runAsUser 10001, conflicts)
    Deployment manifest = Fixtures.deployment("remediable.yaml", ns, "worker");
    container(manifest)
        .setSecurityContext(
            new SecurityContextBuilder(container(manifest).getSecurityContext())
                .withRunAsUser(0L)
                .build());
    String uid = fx.apply(manifest).getMetadata().getUid();

    Deployment d =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "worker"),
                x ->
                    settled(x)
                        && Fixtures.rules(x).contains("remediation-conflict")
                        && !Fixtures.rules(x).contains("privilege-escalation"));
    // not forced: the GitOps value stays, owned by it, and run-as-root still fires
    assertThat(container(d).getSecurityContext().getRunAsUser()).isZero();
    assertThat(
            Fixtures.managedFields(d, Fixtures.GITOPS)
                .orElseThrow()
                .path("f:spec")
                .path("f:template")
                .path("f:spec")
                .path("f:containers")
                .path("k:{\"name\":\"worker\"}")
                .path("f:securityContext")
                .has("f:runAsUser"))
        .isTrue();
    assertThat(Fixtures.findings(d))
        .contains(new Finding("run-as-root", "error", "worker", policy));
    assertThat(Fixtures.findings(d))
        .filteredOn(f -> f.rule().equals("remediation-conflict"))
        .isNotEmpty()
        .allSatisfy(f -> assertThat(f.policy()).isEqualTo(policy));
    // the non-conflicting fixes applied, in one rollout
    assertThat(container(d).getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container(d).getSecurityContext().getCapabilities().getDrop())
        .containsExactly("ALL");
    assertThat(Fixtures.rules(d))
        .doesNotContain(
            "privilege-escalation",
            "capabilities-not-dropped",
            "seccomp-unset",
            "python-unbuffered");
    assertNoOperatorWrites(ns);
    assertThat(fx.replicaSets(ns, uid)).hasSize(2);
    // an Event says who owns the field, once
    assertThat(fx.events(ns, "worker", "RemediationConflict"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains("run-as-root").contains(Fixtures.GITOPS);
            });
  }

  @Test
  void dryRunChangesNothingButShowsThePreview() throws Exception {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "preview", remediation(true));
    AuditLog.Mark start = AuditLog.mark();
    Deployment created = fx.apply(Fixtures.deployment("remediable.yaml", ns, "worker"));
    String uid = created.getMetadata().getUid();

    Deployment d =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "worker"),
                x -> settled(x) && Fixtures.annotations(x).containsKey(Fixtures.PREVIEW));
    String preview = Fixtures.annotations(d).get(Fixtures.PREVIEW);
    assertThat(preview)
        .contains(
            "securityContext.runAsNonRoot=true",
            "securityContext.allowPrivilegeEscalation=false",
            "env PYTHONUNBUFFERED=1");
    // the spec is as the user wrote it: same template, no new ReplicaSet, findings still there
    assertThat(d.getSpec().getTemplate()).isEqualTo(created.getSpec().getTemplate());
    assertThat(Fixtures.rules(d)).containsAll(FIXED_RULES);
    assertThat(Fixtures.verdict(d)).isEqualTo("fail");
    assertThat(Fixtures.managedFields(d, "pyhygiene").orElseThrow().has("f:spec")).isFalse();
    assertNoOperatorWrites(ns);
    assertThat(fx.replicaSets(ns, uid)).hasSize(1);
    assertThat(fx.get(ns, "worker").getSpec().getTemplate())
        .isEqualTo(created.getSpec().getTemplate());
    assertThat(Fixtures.annotations(fx.get(ns, "worker"))).containsEntry(Fixtures.PREVIEW, preview);
    assertThat(fx.events(ns, "worker", "Remediated")).isEmpty();
    // One dry run made the preview; writing the preview bumps the generation, and that must not
    // repeat the dry run (the pod template is unchanged).
    List<AuditLog.Request> requests =
        op.writesSince(start).stream()
            .filter(r -> r.resource().equals("deployments") && r.namespace().equals(ns))
            .toList();
    assertThat(requests)
        .as("pyhygiene's Deployment requests in %s", ns)
        .filteredOn(AuditLog.Request::dryRun)
        .hasSize(1);
    assertThat(requests).filteredOn(AuditLog.Request::persisted).hasSize(1);
  }

  /**
   * What remediation did is read back from the cluster, not remembered: an operator started afresh
   * (a new leader) neither repeats a dry run nor asks again for a fix another manager refused, and
   * announces neither again.
   */
  @Test
  void aRestartedOperatorRepeatsNoRemediationRequest() throws Exception {
    String conflicted = cluster.createNamespace();
    fx.applyPolicy(conflicted, "fix", remediation(false));
    Deployment manifest = Fixtures.deployment("remediable.yaml", conflicted, "worker");
    container(manifest)
        .setSecurityContext(
            new SecurityContextBuilder(container(manifest).getSecurityContext())
                .withRunAsUser(0L)
                .build());
    fx.apply(manifest);
    String previewed = cluster.createNamespace();
    fx.applyPolicy(previewed, "preview", remediation(true));
    fx.apply(Fixtures.deployment("remediable.yaml", previewed, "worker"));

    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () -> fx.get(conflicted, "worker"),
            x ->
                settled(x)
                    && Fixtures.rules(x).contains("remediation-conflict")
                    && !Fixtures.rules(x).contains("privilege-escalation"));
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () -> fx.get(previewed, "worker"),
            x -> settled(x) && Fixtures.annotations(x).containsKey(Fixtures.PREVIEW));
    op.awaitSettled();

    AuditLog.Mark restart = AuditLog.mark();
    op.restart();
    int deployments =
        cluster.client().apps().deployments().inAnyNamespace().list().getItems().size();
    await().atMost(OperatorHarness.TIMEOUT).until(() -> op.deploymentReconciles() >= deployments);
    op.awaitSettled();

    assertThat(op.writesSince(restart))
        .as("requests of the restarted operator, dry runs and" + " refused applies included")
        .filteredOn(r -> r.namespace().equals(conflicted) || r.namespace().equals(previewed))
        .isEmpty();
    assertThat(fx.events(conflicted, "worker", "RemediationConflict")).hasSize(1);
    assertThat(fx.events(previewed, "worker", "RemediationPreview")).hasSize(1);
    assertThat(Fixtures.rules(fx.get(conflicted, "worker")))
        .as("the conflict still stands")
        .contains("remediation-conflict");
  }
}
