package io.pyhygiene.operator.reconciler;

import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.images.WorkloadImages;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.operator.writer.WorkloadWriter;

/**
 * What the operator keeps about workloads is bounded by the cluster: evidence leaves its window,
 * and a workload that is gone (or now audited through an owner) from the informer cache is
 * forgotten everywhere (audit store, evidence, selection index, pending own writes, the images it
 * used). Removing a workload from the audit store marks its namespace and policies for the next
 * publishing round. Runs on the leader, before each publishing round.
 */
public final class Housekeeping {

  private final ClusterCache cache;
  private final AuditStore store;
  private final EvidenceStore evidence;
  private final SelectionIndex index;
  private final WorkloadWriter writer;
  private final WorkloadImages images;

  public Housekeeping(
      ClusterCache cache,
      AuditStore store,
      EvidenceStore evidence,
      SelectionIndex index,
      WorkloadWriter writer,
      WorkloadImages images) {
    this.cache = cache;
    this.store = store;
    this.evidence = evidence;
    this.index = index;
    this.writer = writer;
    this.images = images;
  }

  /** Expires evidence; forgets workloads that are gone. Returns how many were forgotten. */
  public int run() {
    evidence.expire();
    int forgotten = 0;
    for (AuditStore.Entry e : store.entries()) {
      if (!cache.exists(e.id())) {
        store.remove(e.id());
        evidence.forget(e.key());
        writer.forget(e.key());
        index.forget(e.id());
        images.forget(e.id());
        forgotten++;
      }
    }
    return forgotten;
  }
}
