package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pyhygiene.operator.it.Fixtures.Finding;
import io.pyhygiene.testkit.AuditLog;
import io.pyhygiene.testkit.HeldPods;
import io.pyhygiene.testkit.Kubelet;
import io.pyhygiene.testkit.PromText;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 on the real control plane, beyond Deployments: remediation patches a StatefulSet's pod
 * template (one rollout) and a CronJob's job template (its next run), never a Job's; a Pod's
 * termination is attributed to the StatefulSet or Job that controls it. No node: the test writes
 * the terminations into the Pods' statuses as the kubelet would ({@link RuntimeEvidenceIT}).
 */
class WorkloadKindsRuntimeIT extends WithOperator {

  final HeldPods held = new HeldPods(cluster.client());

  @AfterEach
  void releaseHeldPods() {
    held.release();
  }

  /** A fixture Deployment's pod template, for another kind. */
  static PodTemplateSpec template(String file, String ns, String name, String restartPolicy) {
    PodTemplateSpec t = Fixtures.deployment(file, ns, name).getSpec().getTemplate();
    t.getSpec().setRestartPolicy(restartPolicy);
    return t;
  }

  static StatefulSet statefulSet(String file, String ns, String name, int replicas) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .withLabels(Map.of("app", name, "pyhygiene.io/runtime", "python"))
        .endMetadata()
        .withNewSpec()
        .withServiceName(name)
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(Map.of("app", name))
        .endSelector()
        .withTemplate(template(file, ns, name, null))
        .endSpec()
        .build();
  }

  static Container container(PodTemplateSpec t) {
    return t.getSpec().getContainers().get(0);
  }

  static void assertFixed(Container c) {
    assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem())
        .as("the user's field is untouched")
        .isTrue();
  }

  @Test
  void aStatefulSetAndACronJobAreRemediatedInOneWriteAndAJobNever() throws Exception {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "fix", RemediationIT.remediation(false));
    KubernetesClient k8s = fx.k8s();
    StatefulSet sts = statefulSet("remediable.yaml", ns, "hub", 0);
    CronJob cj =
        new CronJobBuilder()
            .withNewMetadata()
            .withName("nightly")
            .withNamespace(ns)
            .withLabels(Map.of("pyhygiene.io/runtime", "python"))
            .endMetadata()
            .withNewSpec()
            .withSchedule("0 3 1 1 *")
            .withNewJobTemplate()
            .withNewSpec()
            .withTemplate(template("remediable.yaml", ns, "nightly", "OnFailure"))
            .endSpec()
            .endJobTemplate()
            .endSpec()
            .build();
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName("migrate")
            .withNamespace(ns)
            .withLabels(Map.of("pyhygiene.io/runtime", "python"))
            .endMetadata()
            .withNewSpec()
            .withSuspend(true) // no Pod needed: only the template matters here
            .withTemplate(template("remediable.yaml", ns, "migrate", "Never"))
            .endSpec()
            .build();
    for (HasMetadata o : List.of(sts, cj, job)) {
      k8s.resource(o).fieldManager(Fixtures.GITOPS).serverSideApply();
    }

    StatefulSet fixedSts =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> k8s.apps().statefulSets().inNamespace(ns).withName("hub").get(),
                s ->
                    Fixtures.auditedCurrentGeneration(s)
                        && "pass".equals(Fixtures.verdict(s))
                        && s.getStatus() != null
                        && s.getMetadata()
                            .getGeneration()
                            .equals(s.getStatus().getObservedGeneration()));
    assertFixed(container(fixedSts.getSpec().getTemplate()));
    assertThat(fixedSts.getMetadata().getGeneration())
        .as("created, then one template patch: one rollout")
        .isEqualTo(2L);
    assertThat(
            Fixtures.managedFields(fixedSts, "pyhygiene")
                .orElseThrow()
                .path("f:spec")
                .has("f:template"))
        .isTrue();

    CronJob fixedCj =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> k8s.batch().v1().cronjobs().inNamespace(ns).withName("nightly").get(),
                c -> Fixtures.auditedCurrentGeneration(c) && "pass".equals(Fixtures.verdict(c)));
    assertFixed(container(fixedCj.getSpec().getJobTemplate().getSpec().getTemplate()));
    assertThat(fixedCj.getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(fx.events(ns, "nightly", "Remediated"))
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("for the next run"));

    Job audited =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> k8s.batch().v1().jobs().inNamespace(ns).withName("migrate").get(),
                Fixtures::auditedCurrentGeneration);
    assertThat(Fixtures.rules(audited)).contains("run-as-root", "privilege-escalation");
    assertThat(Fixtures.verdict(audited)).isEqualTo("fail");
    assertThat(container(audited.getSpec().getTemplate()).getSecurityContext().getRunAsNonRoot())
        .as("a Job's template is never patched")
        .isNull();
    assertThat(Fixtures.annotations(audited)).doesNotContainKey("pyhygiene.io/remediation");

    // settled: nothing more is stored on any of them (no second rollout, no write loop)
    AuditLog.Mark mark = AuditLog.mark();
    op.awaitSettled();
    assertThat(op.writesSince(mark))
        .filteredOn(r -> r.namespace().equals(ns) && r.persisted())
        .extracting(AuditLog.Request::resource)
        .doesNotContain("statefulsets", "cronjobs", "jobs");
    assertThat(
            k8s.apps()
                .statefulSets()
                .inNamespace(ns)
                .withName("hub")
                .get()
                .getMetadata()
                .getGeneration())
        .isEqualTo(2L);
    assertThat(fx.events(ns, "hub", "Remediated")).hasSize(1);
  }

  @Test
  void aTerminationIsAttributedToTheStatefulSetOrJobThatControlsThePod() throws Exception {
    String ns = cluster.createNamespace();
    String policy = ns + "-evidence";
    fx.applyPolicy(ns, "evidence", Map.of());
    KubernetesClient k8s = fx.k8s();
    k8s.resource(statefulSet("good.yaml", ns, "hub", 1))
        .fieldManager(Fixtures.GITOPS)
        .serverSideApply();
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName("migrate")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(0)
            .withTemplate(template("good.yaml", ns, "migrate", "Never"))
            .endSpec()
            .build();
    k8s.resource(job).fieldManager(Fixtures.GITOPS).serverSideApply();

    // the StatefulSet's pod (Pending: no node) deleted while held by a finalizer, then SIGKILLed
    Pod hub0 =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> k8s.pods().inNamespace(ns).withName("hub-0").get(), p -> p != null);
    assertThat(hub0.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("StatefulSet"));
    held.holdAndDelete(hub0);
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () -> k8s.pods().inNamespace(ns).withName("hub-0").get().getMetadata(),
            m -> m.getDeletionTimestamp() != null);
    Kubelet.terminate(k8s, hub0, false, 137, "Error");

    // the Job's pod: OOMKilled
    Pod jobPod =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> k8s.pods().inNamespace(ns).withLabel("job-name", "migrate").list().getItems(),
                l -> l.size() == 1)
            .get(0);
    Kubelet.terminate(k8s, jobPod, false, 137, "OOMKilled");

    StatefulSet killed =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> k8s.apps().statefulSets().inNamespace(ns).withName("hub").get(),
                s -> Fixtures.rules(s).contains("shutdown-sigkilled"));
    assertThat(Fixtures.findings(killed))
        .contains(new Finding("shutdown-sigkilled", "error", "api", policy));
    assertThat(Fixtures.rules(killed)).doesNotContain("oom-killed");
    Job oom =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> k8s.batch().v1().jobs().inNamespace(ns).withName("migrate").get(),
                j -> Fixtures.rules(j).contains("oom-killed"));
    assertThat(Fixtures.findings(oom)).contains(new Finding("oom-killed", "error", "api", policy));
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .untilAsserted(
            () -> {
              String scrape = op.scrape();
              assertThat(
                      PromText.value(
                          scrape,
                          "pyhygiene_shutdown_sigkilled_total",
                          Map.of("namespace", ns, "kind", "StatefulSet", "name", "hub")))
                  .isEqualTo(1.0);
              assertThat(
                      PromText.value(
                          scrape,
                          "pyhygiene_oom_killed_total",
                          Map.of("namespace", ns, "kind", "Job", "name", "migrate")))
                  .isEqualTo(1.0);
            });
    // the Pods themselves are not reported as workloads of their own
    assertThat(
            Fixtures.labels(
                k8s.pods().inNamespace(ns).withName(jobPod.getMetadata().getName()).get()))
        .doesNotContainKey(Fixtures.VERDICT);
  }
}
