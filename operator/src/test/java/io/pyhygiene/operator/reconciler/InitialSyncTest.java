package io.pyhygiene.operator.reconciler;

import static io.pyhygiene.operator.reconciler.Policies.deployment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.workload.WorkloadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InitialSyncTest {

  final ClusterCache cache = mock(ClusterCache.class);
  final InitialSync sync = new InitialSync(cache);
  final List<Deployment> cached =
      new ArrayList<>(
          List.of(deployment("shop", "a", Map.of()), deployment("shop", "b", Map.of())));

  @Test
  void doneOnceEveryCachedDeploymentWasReconciledThenStaysDone() {
    when(cache.kinds()).thenReturn(Set.of(WorkloadKind.DEPLOYMENT));
    when(cache.workloads(WorkloadKind.DEPLOYMENT)).thenAnswer(inv -> List.copyOf(cached).stream());
    assertThat(sync.done()).as("the informers have not listed yet").isFalse();

    when(cache.synced()).thenReturn(true);
    sync.reconciled(WorkloadId.of(cached.get(0)));
    assertThat(sync.done()).as("b not reconciled yet").isFalse();
    sync.reconciled(WorkloadId.of(cached.get(1)));
    assertThat(sync.done()).isTrue();

    cached.add(deployment("shop", "c", Map.of())); // created later: no longer start-up
    assertThat(sync.done()).isTrue();
  }

  @Test
  void anEmptyClusterIsDoneOnceSynced() {
    when(cache.kinds()).thenReturn(Set.of(WorkloadKind.DEPLOYMENT));
    when(cache.workloads(WorkloadKind.DEPLOYMENT))
        .thenAnswer(inv -> java.util.stream.Stream.empty());
    assertThat(sync.done()).isFalse();
    when(cache.synced()).thenReturn(true);
    assertThat(sync.done()).isTrue();
  }
}
