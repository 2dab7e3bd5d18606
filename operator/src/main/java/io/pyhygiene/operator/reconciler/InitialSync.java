package io.pyhygiene.operator.reconciler;

import io.pyhygiene.operator.audit.WorkloadId;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether every workload (of every kind) has been reconciled since this process started (then stays
 * true). Until then the audit store is partial, and statuses or reports published from it would
 * show wrong counts for a moment and be rewritten: with this gate, a restart (or a new leader) on
 * an unchanged cluster writes nothing.
 */
public final class InitialSync {

  private final ClusterCache cache;
  private final Set<WorkloadId> reconciledSinceStart = ConcurrentHashMap.newKeySet();
  private volatile boolean done;

  public InitialSync(ClusterCache cache) {
    this.cache = cache;
  }

  /** Notes a reconciled workload (whatever the reconcile did). */
  public void reconciled(WorkloadId deployment) {
    if (!done) {
      reconciledSinceStart.add(deployment);
    }
  }

  /** Whether the cache has synced and every workload in it has been reconciled. */
  public boolean done() {
    if (done) {
      return true;
    }
    if (!cache.synced()
        || !cache.kinds().stream()
            .flatMap(cache::workloads)
            .allMatch(d -> reconciledSinceStart.contains(WorkloadId.of(d)))) {
      return false;
    }
    done = true;
    reconciledSinceStart.clear();
    return true;
  }
}
