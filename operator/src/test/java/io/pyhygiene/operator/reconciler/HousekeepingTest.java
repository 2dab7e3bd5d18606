package io.pyhygiene.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.operator.writer.DeploymentWriter;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class HousekeepingTest {

  final ClusterCache cache = mock(ClusterCache.class);
  final AuditStore store = new AuditStore(Clock.systemUTC());
  final EvidenceStore evidence = mock(EvidenceStore.class);
  final SelectionIndex index = mock(SelectionIndex.class);
  final DeploymentWriter writer = mock(DeploymentWriter.class);
  final Housekeeping housekeeping = new Housekeeping(cache, store, evidence, index, writer);

  @Test
  void expiresEvidenceAndForgetsDeploymentsThatAreGone() {
    store.put("shop", "kept", "u1", CombinedAudit.none());
    store.put("shop", "gone", "u2", CombinedAudit.none());
    store.drainDirtyNamespaces();
    when(cache.exists("shop", "kept")).thenReturn(true);

    assertThat(housekeeping.run()).isEqualTo(1);

    verify(evidence).expire();
    assertThat(store.entries()).extracting(AuditStore.Entry::name).containsExactly("kept");
    assertThat(store.drainDirtyNamespaces()).as("its report is rewritten").containsExactly("shop");
    verify(evidence).forget("shop/gone");
    verify(writer).forget("shop/gone");
    verify(index).forget(new ResourceID("gone", "shop"));
    verify(evidence, never()).forget("shop/kept");

    assertThat(housekeeping.run()).isZero();
  }
}
