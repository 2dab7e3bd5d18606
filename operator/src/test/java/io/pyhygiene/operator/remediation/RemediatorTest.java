package io.pyhygiene.operator.remediation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.FixPlanner;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.operator.writer.WorkloadMetadata;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.testkit.Remediable;
import io.pyhygiene.workload.Observations;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Remediation against a WorkloadWriter whose API calls are mocked (a 409 where another field
 * manager owns runAsUser, when a test says so), with the real planner. "A new leader" is a fresh
 * Remediator given the Deployment as the cluster holds it after the first one's writes: nothing
 * carries over but the Deployment.
 */
class RemediatorTest {

  static final List<String> FIXED = Remediable.RULES;
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC);
  static final Auditor AUDITOR = new Auditor(RuleCatalog.all(), CLOCK);

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final PyhygieneMetrics metrics = new PyhygieneMetrics(registry);
  final List<HasMetadata> cluster = new ArrayList<>();
  WorkloadWriter writer;

  /** Every apply: the config sent and whether it was a dry run. */
  final List<Map.Entry<ObjectNode, Boolean>> applies = new ArrayList<>();

  final List<String> events = new ArrayList<>();
  boolean gitOpsOwnsRunAsUser;

  /** Who holds runAsUser when gitOpsOwnsRunAsUser: an SSA manager unless a test says otherwise. */
  String runAsUserOwner = "argocd-controller";

  final List<Boolean> forced = new ArrayList<>();

  @BeforeEach
  void mockTheApiCalls() {
    writer = spy(new WorkloadWriter(mock(KubernetesClient.class), CLOCK, "test"));
    doAnswer(
            inv -> {
              ObjectNode config = inv.getArgument(1);
              boolean dryRun = inv.getArgument(2);
              boolean force = inv.getArgument(3);
              forced.add(force);
              applies.add(Map.entry(config, dryRun));
              if (gitOpsOwnsRunAsUser
                  && !force
                  && config.path("spec").toString().contains("runAsUser")) {
                throw new KubernetesClientException(
                    new StatusBuilder()
                        .withCode(409)
                        .withNewDetails()
                        .addNewCause()
                        .withField(
                            ".spec.template.spec.containers[name=\"worker\"]"
                                + ".securityContext.runAsUser")
                        .withMessage("conflict with \"" + runAsUserOwner + "\" using apps/v1")
                        .endCause()
                        .endDetails()
                        .build());
              }
              return null;
            })
        .when(writer)
        .apply(any(), any(), anyBoolean(), anyBoolean());
    doAnswer(inv -> events.add(inv.getArgument(2)))
        .when(writer)
        .event(any(), anyString(), anyString(), anyString());
  }

  Remediator remediator() {
    return new Remediator(
        new FixPlanner(AUDITOR), writer, new RolloutSlots(() -> cluster.stream()), metrics);
  }

  static ActivePolicy policy(boolean dryRun, int maxConcurrentRollouts) throws Exception {
    PythonHygienePolicySpec spec =
        Json.YAML.readValue(
            """
        remediation: {enabled: true, dryRun: %s, maxConcurrentRollouts: %d,
          rules: [run-as-root, privilege-escalation, capabilities-not-dropped, seccomp-unset,
                  python-unbuffered]}
        """
                .formatted(dryRun, maxConcurrentRollouts),
            PythonHygienePolicySpec.class);
    PolicyResolver.Result r = new PolicyResolver(RuleCatalog.all()).resolve("fix", spec);
    assertThat(r.errors()).isEmpty();
    return new ActivePolicy("fix", 1, null, null, r.policy(), r.errors());
  }

  /** The IT fixture: five fixable findings; its rollouts are done (replicas 0, caught up). */
  static Deployment remediable(String name) throws Exception {
    String yaml;
    try (var in = RemediatorTest.class.getResourceAsStream("/it/remediable.yaml")) {
      yaml =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .replace("{{name}}", name);
    }
    Deployment d = Json.YAML.readValue(yaml, Deployment.class);
    d.getMetadata().setNamespace("shop");
    d.getMetadata().setUid("uid-" + name);
    d.getMetadata().setGeneration(1L);
    d.getMetadata().setAnnotations(new HashMap<>(Map.of("deployment.kubernetes.io/revision", "1")));
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(1L)
            .withReplicas(0)
            .withUpdatedReplicas(0)
            .build());
    return d;
  }

  static CombinedAudit audit(HasMetadata d, ActivePolicy p) {
    return new WorkloadAuditor(AUDITOR, List::of, ns -> Map.of())
        .audit(d, Observations.NONE, List.of(p));
  }

  /**
   * The Deployment as the cluster holds it after a stored write of {@code config}: merged, a new
   * generation, and (when the template changed) a new revision, rolled out.
   */
  static Deployment afterWrite(Deployment d, ObjectNode config) {
    Deployment out =
        Json.MAPPER.convertValue(
            ApplyMerge.merge(Json.MAPPER.valueToTree(d), config), Deployment.class);
    long generation = d.getMetadata().getGeneration() + 1;
    out.getMetadata().setGeneration(generation);
    out.getStatus().setObservedGeneration(generation);
    if (!out.getSpec().getTemplate().equals(d.getSpec().getTemplate())) {
      long revision = RemediationState.revision(d) + 1;
      out.getMetadata()
          .getAnnotations()
          .put("deployment.kubernetes.io/revision", String.valueOf(revision));
    }
    return out;
  }

  /** The Deployment after pyhygiene's metadata write of this state (no template change). */
  static Deployment withState(Deployment d, RemediationState state, ActivePolicy p) {
    ObjectNode config = Json.MAPPER.createObjectNode();
    ObjectNode annotations = config.putObject("metadata").putObject("annotations");
    WorkloadMetadata.of(audit(d, p), state.annotations()).annotations().forEach(annotations::put);
    return afterWrite(d, config);
  }

  double remediations(String rule, String result) {
    var c =
        registry.find("pyhygiene.remediations").tag("rule", rule).tag("result", result).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void allFixesInOneApplyThatCarriesTheStateAndANewLeaderDoesNotRepeatIt() throws Exception {
    ActivePolicy p = policy(false, 3);
    Deployment d = remediable("worker");
    Remediator.Outcome outcome = remediator().remediate(d, List.of(p), audit(d, p));

    assertThat(outcome.applied()).isTrue();
    assertThat(outcome.state().result()).isEqualTo(RemediationState.Result.APPLIED);
    assertThat(outcome.state().rules()).containsExactlyInAnyOrderElementsOf(FIXED);
    assertThat(outcome.state().revision()).isEqualTo(1);
    assertThat(applies)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getValue()).as("dry run").isFalse();
              assertThat(a.getKey().at("/metadata/annotations/pyhygiene.io~1remediation").asText())
                  .contains("\"result\":\"APPLIED\"")
                  .contains("\"revision\":1");
              assertThat(
                      a.getKey()
                          .at("/spec/template/spec/containers/0/securityContext/runAsNonRoot")
                          .asBoolean())
                  .isTrue();
            });
    assertThat(events).containsExactly("Remediated");
    FIXED.forEach(r -> assertThat(remediations(r, "applied")).isEqualTo(1));

    // Something (a mutating webhook) undoes the fix on the template the fix produced: a new
    // leader reads the state back and neither applies again nor loops.
    Deployment undone = afterWrite(d, applies.get(0).getKey());
    undone.setSpec(d.getSpec());
    undone.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "2");
    Remediator.Outcome again = remediator().remediate(undone, List.of(p), audit(undone, p));
    assertThat(again.applied()).isFalse();
    assertThat(again.state()).isEqualTo(outcome.state());
    assertThat(applies).hasSize(1);
    FIXED.forEach(r -> assertThat(remediations(r, "skipped")).isEqualTo(1));

    // Once someone else changes the template (a new revision), it is a new attempt.
    undone.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "3");
    assertThat(remediator().remediate(undone, List.of(p), audit(undone, p)).applied()).isTrue();
    assertThat(applies).hasSize(2);
  }

  @Test
  void aFieldOwnedByAnotherManagerIsNotForcedAndTheConflictIsNotAskedAgain() throws Exception {
    gitOpsOwnsRunAsUser = true;
    ActivePolicy p = policy(false, 3);
    Deployment d = remediable("worker");
    Remediator.Outcome outcome = remediator().remediate(d, List.of(p), audit(d, p));

    // the full plan (409), one dry run per rule, then the clean fixes in ONE stored apply
    assertThat(applies).filteredOn(a -> !a.getValue()).hasSize(2);
    assertThat(applies).filteredOn(Map.Entry::getValue).hasSize(FIXED.size());
    ObjectNode stored = applies.get(applies.size() - 1).getKey();
    assertThat(stored.path("spec").toString())
        .doesNotContain("runAsUser")
        .contains("allowPrivilegeEscalation");
    assertThat(outcome.applied()).isTrue();
    assertThat(outcome.state().rules()).doesNotContain("run-as-root").hasSize(4);
    assertThat(outcome.state().conflicts())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.rule()).isEqualTo("run-as-root");
              assertThat(c.manager()).isEqualTo("argocd-controller");
            });
    assertThat(stored.at("/metadata/annotations/pyhygiene.io~1remediation").asText())
        .contains("argocd-controller");
    assertThat(events).containsExactly("RemediationConflict", "Remediated");
    assertThat(remediations("run-as-root", "conflict")).isEqualTo(1);

    // The rollout finished; what is left is the blocked fix on pyhygiene's own template. A new
    // leader makes no request at all, and keeps the conflict (and its finding).
    Deployment fixed = afterWrite(d, stored);
    int requests = applies.size();
    Remediator.Outcome next = remediator().remediate(fixed, List.of(p), audit(fixed, p));
    assertThat(applies).hasSize(requests);
    assertThat(next.applied()).isFalse();
    assertThat(next.state().conflicts()).isEqualTo(outcome.state().conflicts());
    assertThat(events).hasSize(2);

    // the policy changes (a new generation): the blocked fix is tried again, and still blocked
    ActivePolicy changed = new ActivePolicy("fix", 2, null, null, p.resolved(), p.errors());
    Remediator.Outcome retried =
        remediator().remediate(fixed, List.of(changed), audit(fixed, changed));
    assertThat(applies).hasSize(requests + 2); // the plan, and its one rule's dry run
    assertThat(retried.state().result()).isEqualTo(RemediationState.Result.CONFLICT);
    assertThat(retried.state().conflicts()).isEqualTo(outcome.state().conflicts());
    assertThat(events).as("the same conflict is not announced twice").hasSize(2);
  }

  @Test
  void aFieldOnlyPlainUpdatesWroteIsTakenInTheSameSingleApply() throws Exception {
    gitOpsOwnsRunAsUser = true;
    runAsUserOwner = "kubectl-create";
    ActivePolicy p = policy(false, 3);
    Deployment d = remediable("worker");
    d.getMetadata()
        .setManagedFields(
            List.of(
                new io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder()
                    .withManager("kubectl-create")
                    .withOperation("Update")
                    .withApiVersion("apps/v1")
                    .build()));
    Remediator.Outcome outcome = remediator().remediate(d, List.of(p), audit(d, p));

    // the full plan (409), one dry run per rule, then every fix in ONE stored, forced apply
    assertThat(applies).filteredOn(a -> !a.getValue()).hasSize(2);
    ObjectNode stored = applies.get(applies.size() - 1).getKey();
    assertThat(stored.path("spec").toString()).contains("runAsUser").contains("allowPrivilege");
    assertThat(forced.get(forced.size() - 1)).as("the stored apply takes the field").isTrue();
    assertThat(forced.subList(0, forced.size() - 1))
        .as("nothing else is forced")
        .containsOnly(false);
    assertThat(outcome.applied()).isTrue();
    assertThat(outcome.state().conflicts()).isEmpty();
    assertThat(outcome.state().rules()).contains("run-as-root");
    assertThat(events).containsExactly("Remediated");
  }

  @Test
  void aServerSideApplyOwnerIsNeverForced() throws Exception {
    gitOpsOwnsRunAsUser = true;
    ActivePolicy p = policy(false, 3);
    Deployment d = remediable("worker");
    d.getMetadata()
        .setManagedFields(
            List.of(
                new io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder()
                    .withManager("argocd-controller")
                    .withOperation("Apply")
                    .withApiVersion("apps/v1")
                    .build()));
    remediator().remediate(d, List.of(p), audit(d, p));
    assertThat(forced).containsOnly(false);
  }

  @Test
  void aPlanThatOnlyConflictsIsRecordedAndNotRepeatedForTheSameTemplate() throws Exception {
    gitOpsOwnsRunAsUser = true;
    ActivePolicy p = policy(false, 3);
    Deployment d = remediable("worker");
    // only run-as-root is left to fix
    Deployment partly =
        afterWrite(
            d,
            remediator().remediate(d, List.of(p), audit(d, p)).applied()
                ? applies.get(applies.size() - 1).getKey()
                : Json.MAPPER.createObjectNode());
    partly.getMetadata().getAnnotations().remove(WorkloadMetadata.REMEDIATION_ANNOTATION);
    applies.clear();
    events.clear();

    Remediator.Outcome outcome = remediator().remediate(partly, List.of(p), audit(partly, p));
    assertThat(outcome.applied()).isFalse();
    assertThat(outcome.state().result()).isEqualTo(RemediationState.Result.CONFLICT);
    assertThat(outcome.state().attempt()).startsWith("apply:");
    assertThat(applies).hasSize(2); // the plan (409) and its one rule's dry run (409)
    assertThat(events).containsExactly("RemediationConflict");

    // written with the metadata, read back on a resync or by a new leader: not asked again
    Deployment written = withState(partly, outcome.state(), p);
    Remediator.Outcome resync = remediator().remediate(written, List.of(p), audit(written, p));
    assertThat(applies).hasSize(2);
    assertThat(resync.state()).isEqualTo(outcome.state());
  }

  @Test
  void aDryRunIsMadeOnceAndTheRealApplyFollowsWhenTheModeChanges() throws Exception {
    ActivePolicy dry = policy(true, 3);
    Deployment d = remediable("worker");
    Remediator.Outcome outcome = remediator().remediate(d, List.of(dry), audit(d, dry));

    assertThat(applies).singleElement().satisfies(a -> assertThat(a.getValue()).isTrue());
    assertThat(outcome.applied()).isFalse();
    assertThat(outcome.state().result()).isEqualTo(RemediationState.Result.DRY_RUN);
    assertThat(outcome.state().preview()).contains("securityContext.runAsNonRoot=true");
    assertThat(outcome.state().annotations()).containsKey(WorkloadMetadata.PREVIEW_ANNOTATION);
    assertThat(events).containsExactly("RemediationPreview");

    // pyhygiene's own metadata write (a new generation, the same template) and a new leader
    Deployment written = withState(d, outcome.state(), dry);
    Remediator.Outcome again = remediator().remediate(written, List.of(dry), audit(written, dry));
    assertThat(applies).hasSize(1);
    assertThat(again.state()).isEqualTo(outcome.state());
    assertThat(events).hasSize(1);

    // dry run switched off: the stored dry run does not stand for the real thing
    ActivePolicy real = policy(false, 3);
    assertThat(remediator().remediate(written, List.of(real), audit(written, real)).applied())
        .isTrue();
    assertThat(applies).hasSize(2);
    assertThat(applies.get(1).getValue()).isFalse();
  }

  @Test
  void rolloutsInProgressAreCountedFromTheCluster() throws Exception {
    ActivePolicy p = policy(false, 1);
    // another Deployment in a rollout that remediation started (as a previous leader left it)
    Deployment other = remediable("other");
    other
        .getMetadata()
        .getAnnotations()
        .put(
            WorkloadMetadata.REMEDIATION_ANNOTATION,
            "{\"result\":\"APPLIED\",\"revision\":1,\"rules\":[\"run-as-root\"]}");
    other.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "2");
    other.getSpec().setReplicas(2);
    other.getStatus().setReplicas(2);
    other.getStatus().setUpdatedReplicas(1);
    cluster.add(other);
    Deployment d = remediable("worker");

    Remediator.Outcome outcome = remediator().remediate(d, List.of(p), audit(d, p));
    assertThat(outcome.deferred()).isTrue();
    assertThat(applies).isEmpty();

    // the other rollout finishes: a slot is free
    other.getStatus().setUpdatedReplicas(2);
    other.getStatus().setAvailableReplicas(2);
    assertThat(remediator().remediate(d, List.of(p), audit(d, p)).applied()).isTrue();
  }

  /** The fixture's pod template in a StatefulSet whose last rollout is done. */
  static StatefulSet statefulSet(String name) throws Exception {
    Deployment d = remediable(name);
    return new StatefulSetBuilder()
        .withMetadata(d.getMetadata())
        .withNewSpec()
        .withReplicas(0)
        .withServiceName(name)
        .withSelector(d.getSpec().getSelector())
        .withTemplate(d.getSpec().getTemplate())
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(1L)
        .withReplicas(0)
        .withCurrentRevision(name + "-1")
        .withUpdateRevision(name + "-1")
        .endStatus()
        .build();
  }

  @Test
  void aStatefulSetIsPatchedAtItsTemplateAndItsRolloutHoldsASlot() throws Exception {
    ActivePolicy p = policy(false, 1);
    StatefulSet s = statefulSet("hub");
    Remediator.Outcome outcome = remediator().remediate(s, List.of(p), audit(s, p));

    assertThat(outcome.applied()).isTrue();
    assertThat(outcome.state().rules()).containsExactlyInAnyOrderElementsOf(FIXED);
    assertThat(outcome.state().revision()).as("a StatefulSet's template version").isEqualTo(1);
    ObjectNode config = applies.get(0).getKey();
    assertThat(config.path("kind").asText()).isEqualTo("StatefulSet");
    assertThat(config.path("apiVersion").asText()).isEqualTo("apps/v1");
    assertThat(
            config.at("/spec/template/spec/containers/0/securityContext/runAsNonRoot").asBoolean())
        .isTrue();

    // Its rollout, as the cache then shows it: the fixed template (generation 2) not yet observed.
    StatefulSet rolling =
        Json.MAPPER.convertValue(
            ApplyMerge.merge(Json.MAPPER.valueToTree(s), config), StatefulSet.class);
    rolling.getMetadata().setGeneration(2L);
    cluster.add(rolling);
    Deployment d = remediable("worker");
    assertThat(remediator().remediate(d, List.of(p), audit(d, p)).deferred())
        .as("one remediation rollout at most: the StatefulSet's")
        .isTrue();
    rolling.getStatus().setObservedGeneration(2L);
    assertThat(remediator().remediate(d, List.of(p), audit(d, p)).applied()).isTrue();
  }

  @Test
  void aCronJobIsPatchedForItsNextRunWithoutTakingARolloutSlot() throws Exception {
    ActivePolicy p = policy(false, 1);
    Deployment template = remediable("report");
    CronJob cj =
        new CronJobBuilder()
            .withMetadata(template.getMetadata())
            .withNewSpec()
            .withSchedule("*/5 * * * *")
            .withNewJobTemplate()
            .withNewSpec()
            .withTemplate(template.getSpec().getTemplate())
            .endSpec()
            .endJobTemplate()
            .endSpec()
            .build();
    // a Deployment's remediation rollout in progress fills the only slot
    Deployment other = remediable("other");
    other
        .getMetadata()
        .getAnnotations()
        .put(
            WorkloadMetadata.REMEDIATION_ANNOTATION,
            "{\"result\":\"APPLIED\",\"revision\":1,\"rules\":[\"run-as-root\"]}");
    other.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "2");
    other.getMetadata().setGeneration(2L);
    cluster.add(other);

    Remediator.Outcome outcome = remediator().remediate(cj, List.of(p), audit(cj, p));
    assertThat(outcome.applied()).isTrue();
    ObjectNode config = applies.get(0).getKey();
    assertThat(config.path("kind").asText()).isEqualTo("CronJob");
    assertThat(config.path("apiVersion").asText()).isEqualTo("batch/v1");
    assertThat(
            config
                .at(
                    "/spec/jobTemplate/spec/template/spec/containers/0/securityContext/runAsNonRoot")
                .asBoolean())
        .isTrue();
    assertThat(config.at("/spec/template").isMissingNode()).isTrue();
  }

  @Test
  void aJobIsNeverPatched() throws Exception {
    ActivePolicy p = policy(false, 3);
    Deployment template = remediable("migrate");
    Job j =
        new JobBuilder()
            .withMetadata(template.getMetadata())
            .withNewSpec()
            .withTemplate(template.getSpec().getTemplate())
            .endSpec()
            .build();
    assertThat(audit(j, p).python()).isTrue();
    Remediator.Outcome outcome = remediator().remediate(j, List.of(p), audit(j, p));
    assertThat(outcome.applied()).isFalse();
    assertThat(outcome.state()).isEqualTo(RemediationState.NONE);
    assertThat(applies).isEmpty();
  }

  @Test
  void waitsForARolloutAndForgetsConflictsWhenNoPolicyRemediates() throws Exception {
    ActivePolicy p = policy(false, 3);
    Deployment d = remediable("worker");
    RemediationState conflicted =
        RemediationState.conflict(
            "apply:x:y",
            List.of(new Observations.RemediationConflict("run-as-root", "f", "argocd")));
    Deployment written = withState(d, conflicted, p);

    written.getStatus().setObservedGeneration(written.getMetadata().getGeneration() - 1);
    Remediator.Outcome during = remediator().remediate(written, List.of(p), audit(written, p));
    assertThat(during.state()).as("kept during a rollout").isEqualTo(conflicted);
    assertThat(applies).isEmpty();

    Remediator.Outcome off = remediator().remediate(written, List.of(), audit(written, p));
    assertThat(off.state()).isEqualTo(RemediationState.NONE);
    assertThat(off.state().annotations())
        .containsEntry(WorkloadMetadata.REMEDIATION_ANNOTATION, "");
    verify(writer, never()).apply(any(), any(), anyBoolean(), eq(true));
    verify(writer, times(0)).event(any(), anyString(), anyString(), anyString());
  }

  @Test
  void stateSurvivesItsAnnotationAndIgnoresGarbage() {
    RemediationState s =
        RemediationState.applied(
            "fix@3",
            4,
            java.util.Set.of("b", "a"),
            List.of(new Observations.RemediationConflict("run-as-root", ".spec.x", "flux")));
    Deployment d = new Deployment();
    d.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    d.getMetadata().setAnnotations(new HashMap<>(s.annotations()));
    assertThat(RemediationState.of(d)).isEqualTo(s);
    assertThat(s.annotations().get(WorkloadMetadata.REMEDIATION_ANNOTATION))
        .isEqualTo(
            "{\"result\":\"APPLIED\",\"attempt\":\"fix@3\",\"revision\":4,\"rules\":[\"a\",\"b\"],"
                + "\"conflicts\":[{\"rule\":\"run-as-root\",\"field\":\".spec.x\","
                + "\"manager\":\"flux\"}]}");
    d.getMetadata().getAnnotations().put(WorkloadMetadata.REMEDIATION_ANNOTATION, "{not json");
    assertThat(RemediationState.of(d)).isEqualTo(RemediationState.NONE);
  }
}
