package io.pyhygiene.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OwnershipTest {

  static OwnerReference controller(String kind, String name) {
    return new OwnerReferenceBuilder()
        .withKind(kind)
        .withName(name)
        .withUid(name)
        .withController(true)
        .build();
  }

  static Pod pod(String name, Map<String, String> labels, OwnerReference... owners) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("shop")
        .withLabels(labels)
        .withOwnerReferences(owners)
        .endMetadata()
        .build();
  }

  @Test
  void whatAControllerCreatedIsAuditedThroughItsOwner() {
    assertThat(
            Ownership.auditedThroughOwner(
                new ReplicaSetBuilder()
                    .withNewMetadata()
                    .withOwnerReferences(controller("Deployment", "web"))
                    .endMetadata()
                    .build()))
        .isTrue();
    assertThat(
            Ownership.auditedThroughOwner(
                new ReplicaSetBuilder().withNewMetadata().endMetadata().build()))
        .as("a bare ReplicaSet")
        .isFalse();
    assertThat(
            Ownership.auditedThroughOwner(
                new JobBuilder()
                    .withNewMetadata()
                    .withOwnerReferences(controller("CronJob", "nightly"))
                    .endMetadata()
                    .build()))
        .isTrue();
    assertThat(
            Ownership.auditedThroughOwner(
                new JobBuilder()
                    .withNewMetadata()
                    .withOwnerReferences(controller("Workflow", "argo"))
                    .endMetadata()
                    .build()))
        .as("a Job of another controller is audited as itself")
        .isFalse();
    assertThat(
            Ownership.auditedThroughOwner(pod("db-0", Map.of(), controller("StatefulSet", "db"))))
        .isTrue();
    assertThat(Ownership.auditedThroughOwner(pod("solo", Map.of()))).isFalse();
    assertThat(
            Ownership.auditedThroughOwner(
                new StatefulSetBuilder()
                    .withNewMetadata()
                    .withOwnerReferences(controller("Operator", "x"))
                    .endMetadata()
                    .build()))
        .as("an owned StatefulSet is still a workload")
        .isFalse();
  }

  @Test
  void aPodsEvidenceGoesToTheTopOfItsControllerChain() {
    Job ofCron =
        new JobBuilder()
            .withNewMetadata()
            .withName("nightly-29")
            .withNamespace("shop")
            .withUid("nightly-29")
            .withOwnerReferences(controller("CronJob", "nightly"))
            .endMetadata()
            .build();
    Set<Ownership.Ref> audited =
        Set.of(
            new Ownership.Ref("CronJob", "shop", "nightly"),
            new Ownership.Ref("Deployment", "shop", "web"),
            new Ownership.Ref("StatefulSet", "shop", "db"),
            new Ownership.Ref("Pod", "shop", "solo"));
    java.util.function.BiFunction<String, OwnerReference, Optional<? extends HasMetadata>> find =
        (ns, ref) -> ref.getName().equals("nightly-29") ? Optional.of(ofCron) : Optional.empty();

    assertThat(
            Ownership.owner(
                pod(
                    "nightly-29-x",
                    Map.of("job-name", "nightly-29"),
                    controller("Job", "nightly-29")),
                find,
                audited::contains))
        .contains(new Ownership.Ref("CronJob", "shop", "nightly"));
    assertThat(
            Ownership.owner(
                pod(
                    "web-5d8f-x",
                    Map.of("pod-template-hash", "5d8f"),
                    controller("ReplicaSet", "web-5d8f")),
                find,
                audited::contains))
        .as("the ReplicaSet is not known: its name says the Deployment")
        .contains(new Ownership.Ref("Deployment", "shop", "web"));
    assertThat(
            Ownership.owner(
                pod("db-0", Map.of(), controller("StatefulSet", "db")), find, audited::contains))
        .contains(new Ownership.Ref("StatefulSet", "shop", "db"));
    assertThat(Ownership.owner(pod("solo", Map.of()), find, audited::contains))
        .contains(new Ownership.Ref("Pod", "shop", "solo"));
    assertThat(
            Ownership.owner(
                pod("r-1", Map.of(), controller("Rollout", "canary")), find, audited::contains))
        .as("not an audited workload")
        .isEmpty();
  }
}
