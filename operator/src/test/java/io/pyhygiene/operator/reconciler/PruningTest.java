package io.pyhygiene.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.pyhygiene.operator.writer.WorkloadWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PruningTest {

  private static ObjectMeta meta(OwnerReference owner) {
    return new ObjectMetaBuilder()
        .withName("web-5d8f")
        .withNamespace("shop")
        .withUid("u1")
        .withResourceVersion("42")
        .withLabels(Map.of("app", "web", "pod-template-hash", "5d8f"))
        .withAnnotations(
            Map.of(
                Pruning.LAST_APPLIED, "{\"big\":true}", "deployment.kubernetes.io/revision", "3"))
        .withFinalizers("example.com/hold")
        .withManagedFields(
            new ManagedFieldsEntryBuilder()
                .withManager("kube-controller-manager")
                .withOperation("Update")
                .build(),
            new ManagedFieldsEntryBuilder()
                .withManager(WorkloadWriter.FIELD_MANAGER)
                .withOperation("Apply")
                .build())
        .withOwnerReferences(owner == null ? List.of() : List.of(owner))
        .build();
  }

  private static OwnerReference controller(String kind) {
    return new OwnerReferenceBuilder()
        .withApiVersion("apps/v1")
        .withKind(kind)
        .withName("web")
        .withUid("owner")
        .withController(true)
        .build();
  }

  private static ReplicaSet replicaSet(OwnerReference owner) {
    return new ReplicaSetBuilder()
        .withMetadata(meta(owner))
        .withNewSpec()
        .withReplicas(3)
        .withNewTemplate()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("python:3.12")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .withNewStatus()
        .withReplicas(3)
        .endStatus()
        .build();
  }

  private static Job job(OwnerReference owner) {
    return new JobBuilder()
        .withMetadata(meta(owner))
        .withNewSpec()
        .withParallelism(2)
        .endSpec()
        .build();
  }

  @Test
  void aReplicaSetItsDeploymentControlsKeepsOnlyIdentityLabelsAndOwners() {
    ReplicaSet rs = Pruning.primary(replicaSet(controller("Deployment")));
    assertThat(rs.getSpec()).isNull();
    assertThat(rs.getStatus()).isNull();
    ObjectMeta m = rs.getMetadata();
    assertThat(m.getName()).isEqualTo("web-5d8f");
    assertThat(m.getResourceVersion()).isEqualTo("42");
    assertThat(m.getLabels()).containsEntry("pod-template-hash", "5d8f");
    assertThat(m.getOwnerReferences())
        .extracting(OwnerReference::getKind)
        .containsExactly("Deployment");
    assertThat(m.getAnnotations()).isNull();
    assertThat(m.getManagedFields()).isNull();
    assertThat(m.getFinalizers()).isNull();
  }

  @Test
  void aBareReplicaSetIsAuditedItselfAndKeepsItsSpec() {
    ReplicaSet rs = Pruning.primary(replicaSet(null));
    assertThat(rs.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
    assertThat(rs.getMetadata().getAnnotations())
        .doesNotContainKey(Pruning.LAST_APPLIED)
        .containsKey("deployment.kubernetes.io/revision");
    // pyhygiene's own apply entry keeps its field set; other managers keep a skeleton
    assertThat(rs.getMetadata().getManagedFields()).hasSize(2);
  }

  @Test
  void aJobItsCronJobControlsIsPrunedButAJobAnotherControllerOwnsIsAuditedItself() {
    Job cronJobs = Pruning.primary(job(controller("CronJob")));
    assertThat(cronJobs.getSpec()).isNull();
    assertThat(cronJobs.getMetadata().getAnnotations()).isNull();

    Job other = Pruning.primary(job(controller("Workflow")));
    assertThat(other.getSpec().getParallelism()).isEqualTo(2);
  }

  @Test
  void anOwnedPodKeepsItsEvidence() {
    Pod pod =
        Pruning.primary(
            new PodBuilder()
                .withMetadata(meta(controller("ReplicaSet")))
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withContainerStatuses(
                    new ContainerStatusBuilder()
                        .withName("app")
                        .withRestartCount(2)
                        .withNewLastState()
                        .withNewTerminated()
                        .withReason("OOMKilled")
                        .withExitCode(137)
                        .endTerminated()
                        .endLastState()
                        .build())
                .endStatus()
                .build());
    assertThat(pod.getSpec()).isNull();
    assertThat(
            pod.getStatus()
                .getContainerStatuses()
                .get(0)
                .getLastState()
                .getTerminated()
                .getReason())
        .isEqualTo("OOMKilled");
    assertThat(pod.getMetadata().getLabels()).containsOnlyKeys("pod-template-hash");
  }
}
