package io.pyhygiene.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.images.WorkloadImages;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class HousekeepingTest {

  final ClusterCache cache = mock(ClusterCache.class);
  final AuditStore store = new AuditStore(Clock.systemUTC());
  final EvidenceStore evidence = mock(EvidenceStore.class);
  final SelectionIndex index = mock(SelectionIndex.class);
  final WorkloadWriter writer = mock(WorkloadWriter.class);
  final WorkloadImages images = mock(WorkloadImages.class);
  final Housekeeping housekeeping = new Housekeeping(cache, store, evidence, index, writer, images);

  static final WorkloadId KEPT = new WorkloadId(WorkloadKind.DEPLOYMENT, "shop", "kept");
  static final WorkloadId GONE = new WorkloadId(WorkloadKind.STATEFUL_SET, "shop", "gone");

  @Test
  void expiresEvidenceAndForgetsDeploymentsThatAreGone() {
    store.put(KEPT, "u1", CombinedAudit.none());
    store.put(GONE, "u2", CombinedAudit.none());
    store.drainDirtyNamespaces();
    when(cache.exists(KEPT)).thenReturn(true);

    assertThat(housekeeping.run()).isEqualTo(1);

    verify(evidence).expire();
    assertThat(store.entries()).extracting(AuditStore.Entry::name).containsExactly("kept");
    assertThat(store.drainDirtyNamespaces()).as("its report is rewritten").containsExactly("shop");
    verify(evidence).forget(GONE.key());
    verify(writer).forget(GONE.key());
    verify(index).forget(GONE);
    verify(images).forget(GONE);
    verify(images, never()).forget(KEPT);
    verify(evidence, never()).forget(KEPT.key());

    assertThat(housekeeping.run()).isZero();
  }
}
