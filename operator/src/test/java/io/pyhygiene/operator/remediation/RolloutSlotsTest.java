package io.pyhygiene.operator.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.operator.writer.WorkloadMetadata;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutSlotsTest {

  final List<Deployment> cluster = new ArrayList<>();
  final RolloutSlots slots = new RolloutSlots(() -> List.copyOf(cluster).stream());

  @Test
  void aFreshApplyHoldsItsSlotUntilTheCacheShowsIt() throws Exception {
    Deployment a = RemediatorTest.remediable("a");
    Deployment b = RemediatorTest.remediable("b");
    cluster.add(a);
    cluster.add(b);
    assertThat(slots.tryAcquire("Deployment/shop/a", 1, 1)).isTrue();
    assertThat(slots.tryAcquire("Deployment/shop/b", 1, 1))
        .as("a's apply is not in the cache yet")
        .isFalse();

    // the cache shows a's applied state and its rollout in progress: still one slot taken
    a.getMetadata()
        .getAnnotations()
        .put(
            WorkloadMetadata.REMEDIATION_ANNOTATION,
            "{\"result\":\"APPLIED\",\"revision\":1,\"rules\":[\"run-as-root\"]}");
    a.getMetadata().setGeneration(2L);
    assertThat(slots.tryAcquire("Deployment/shop/b", 1, 1)).isFalse();
    assertThat(slots.reservation("Deployment/shop/a")).as("the cache caught up").isEmpty();

    // a's rollout is done
    a.getStatus().setObservedGeneration(2L);
    assertThat(slots.tryAcquire("Deployment/shop/b", 1, 1)).isTrue();
  }

  @Test
  void aReservationEndsWithTheApplyEvenIfTheStateIsGoneFromTheCachedCopy() throws Exception {
    Deployment a = RemediatorTest.remediable("a");
    cluster.add(a);
    assertThat(slots.tryAcquire("Deployment/shop/a", 1, 1)).isTrue();
    // a policy stopped selecting it: pyhygiene's metadata, state included, was removed
    a.getMetadata().setGeneration(3L);
    a.getStatus().setObservedGeneration(3L);
    assertThat(slots.tryAcquire("Deployment/shop/b", 1, 1)).isTrue();
    assertThat(slots.reservation("Deployment/shop/a")).isEmpty();
  }

  @Test
  void aDeploymentBeingDeletedHoldsNoSlot() throws Exception {
    Deployment a = RemediatorTest.remediable("a");
    a.getMetadata()
        .getAnnotations()
        .put(
            WorkloadMetadata.REMEDIATION_ANNOTATION,
            "{\"result\":\"APPLIED\",\"revision\":1,\"rules\":[\"run-as-root\"]}");
    a.getMetadata().setGeneration(2L); // observed 1: in a rollout
    cluster.add(a);
    assertThat(slots.tryAcquire("Deployment/shop/b", 1, 1)).isFalse();
    slots.release("Deployment/shop/b");
    a.getMetadata().setDeletionTimestamp("2026-11-25T10:00:00Z"); // its namespace is deleted
    assertThat(slots.tryAcquire("Deployment/shop/b", 1, 1)).isTrue();
  }

  @Test
  void aReleasedReservationFreesTheSlot() throws Exception {
    cluster.add(RemediatorTest.remediable("a"));
    assertThat(slots.tryAcquire("Deployment/shop/a", 1, 1)).isTrue();
    slots.release("Deployment/shop/a");
    assertThat(slots.tryAcquire("Deployment/shop/b", 1, 1)).isTrue();
  }
}
