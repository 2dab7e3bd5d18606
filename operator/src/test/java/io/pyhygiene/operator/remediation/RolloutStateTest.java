package io.pyhygiene.operator.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import org.junit.jupiter.api.Test;

class RolloutStateTest {

  static Deployment d(
      long generation,
      Long observed,
      int replicas,
      Integer updated,
      Integer total,
      Integer unavailable) {
    DeploymentBuilder b =
        new DeploymentBuilder()
            .withNewMetadata()
            .withGeneration(generation)
            .endMetadata()
            .withNewSpec()
            .withReplicas(replicas)
            .endSpec();
    if (observed != null) {
      b.withNewStatus()
          .withObservedGeneration(observed)
          .withUpdatedReplicas(updated)
          .withReplicas(total)
          .withUnavailableReplicas(unavailable)
          .endStatus();
    }
    return b.build();
  }

  @Test
  void rolloutStates() {
    assertThat(RolloutState.inProgress(d(2, 2L, 3, 3, 3, null))).isFalse();
    assertThat(RolloutState.inProgress(d(2, 2L, 0, null, null, null))).isFalse();
    assertThat(RolloutState.inProgress(d(3, 2L, 3, 3, 3, null))).as("not observed yet").isTrue();
    assertThat(RolloutState.inProgress(d(2, null, 3, null, null, null))).as("no status").isTrue();
    assertThat(RolloutState.inProgress(d(2, 2L, 3, 1, 3, null))).as("updating").isTrue();
    assertThat(RolloutState.inProgress(d(2, 2L, 3, 3, 4, null))).as("old pods left").isTrue();
    assertThat(RolloutState.inProgress(d(2, 2L, 3, 3, 3, 1))).as("unavailable").isTrue();
  }

  static StatefulSet sts(
      String strategy, Integer partition, int replicas, int updated, int ready, String update) {
    return new StatefulSetBuilder()
        .withNewMetadata()
        .withGeneration(2L)
        .endMetadata()
        .withNewSpec()
        .withReplicas(replicas)
        .withNewUpdateStrategy()
        .withType(strategy)
        .withNewRollingUpdate()
        .withPartition(partition)
        .endRollingUpdate()
        .endUpdateStrategy()
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(2L)
        .withUpdatedReplicas(updated)
        .withReadyReplicas(ready)
        .withCurrentRevision("web-1")
        .withUpdateRevision(update)
        .endStatus()
        .build();
  }

  @Test
  void statefulSetRolloutStates() {
    assertThat(RolloutState.inProgress(sts("RollingUpdate", null, 3, 3, 3, "web-1"))).isFalse();
    assertThat(RolloutState.inProgress(sts("RollingUpdate", null, 0, 0, 0, "web-1"))).isFalse();
    assertThat(RolloutState.inProgress(sts("RollingUpdate", null, 3, 1, 3, "web-2")))
        .as("pods still on the current revision")
        .isTrue();
    assertThat(RolloutState.inProgress(sts("RollingUpdate", null, 3, 3, 2, "web-2")))
        .as("the last updated pod not ready yet")
        .isTrue();
    assertThat(RolloutState.inProgress(sts("RollingUpdate", 2, 3, 1, 3, "web-2")))
        .as("a partition: only the ordinals above it roll, and they did")
        .isFalse();
    assertThat(RolloutState.inProgress(sts("RollingUpdate", 1, 3, 1, 3, "web-2")))
        .as("a partition: one of the two ordinals above it left")
        .isTrue();
    assertThat(RolloutState.inProgress(sts("OnDelete", null, 3, 0, 3, "web-2")))
        .as("OnDelete rolls nothing by itself")
        .isFalse();
    StatefulSet behind = sts("RollingUpdate", null, 3, 3, 3, "web-1");
    behind.getMetadata().setGeneration(3L);
    assertThat(RolloutState.inProgress(behind)).as("not observed yet").isTrue();
  }

  static DaemonSet ds(String strategy, int desired, int updated, Integer unavailable) {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withGeneration(4L)
        .endMetadata()
        .withNewSpec()
        .withNewUpdateStrategy()
        .withType(strategy)
        .endUpdateStrategy()
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(4L)
        .withDesiredNumberScheduled(desired)
        .withUpdatedNumberScheduled(updated)
        .withNumberUnavailable(unavailable)
        .endStatus()
        .build();
  }

  @Test
  void daemonSetRolloutStates() {
    assertThat(RolloutState.inProgress(ds("RollingUpdate", 5, 5, null))).isFalse();
    assertThat(RolloutState.inProgress(ds("RollingUpdate", 0, 0, null))).as("no node").isFalse();
    assertThat(RolloutState.inProgress(ds("RollingUpdate", 5, 3, null))).isTrue();
    assertThat(RolloutState.inProgress(ds("RollingUpdate", 5, 5, 1))).isTrue();
    assertThat(RolloutState.inProgress(ds("OnDelete", 5, 0, null))).isFalse();
  }

  @Test
  void aCronJobNeverRollsOut() {
    assertThat(
            RolloutState.inProgress(new CronJobBuilder().withNewMetadata().endMetadata().build()))
        .isFalse();
  }
}
