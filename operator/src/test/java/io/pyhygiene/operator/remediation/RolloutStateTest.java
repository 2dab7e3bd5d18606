package io.pyhygiene.operator.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
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
}
