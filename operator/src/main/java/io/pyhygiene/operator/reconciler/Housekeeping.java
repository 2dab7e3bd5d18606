package io.pyhygiene.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.operator.writer.DeploymentWriter;

/**
 * What the operator keeps about Deployments is bounded by the cluster: evidence leaves its
 * window, and a Deployment that is gone from the informer cache is forgotten everywhere (audit
 * store, evidence, selection index, pending own writes). Removing a Deployment from the audit
 * store marks its namespace and policies for the next publishing round. Runs on the leader,
 * before each publishing round.
 */
public final class Housekeeping {

  private final ClusterCache cache;
  private final AuditStore store;
  private final EvidenceStore evidence;
  private final SelectionIndex index;
  private final DeploymentWriter writer;

  public Housekeeping(ClusterCache cache, AuditStore store, EvidenceStore evidence,
      SelectionIndex index, DeploymentWriter writer) {
    this.cache = cache;
    this.store = store;
    this.evidence = evidence;
    this.index = index;
    this.writer = writer;
  }

  /** Expires evidence; forgets Deployments that are gone. Returns how many were forgotten. */
  public int run() {
    evidence.expire();
    int forgotten = 0;
    for (AuditStore.Entry e : store.entries()) {
      if (!cache.exists(e.namespace(), e.name())) {
        store.remove(e.namespace(), e.name());
        evidence.forget(e.key());
        writer.forget(e.key());
        index.forget(new ResourceID(e.name(), e.namespace()));
        forgotten++;
      }
    }
    return forgotten;
  }
}
