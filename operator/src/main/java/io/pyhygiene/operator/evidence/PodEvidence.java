package io.pyhygiene.operator.evidence;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.workload.Ownership;
import io.pyhygiene.workload.WorkloadKind;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns a Pod event into evidence and into the workload to re-audit (a pod informer's
 * secondary-to-primary mapper). Records each container termination the Pod shows as evidence of the
 * audited workload that owns it ({@link Ownership#owner}: Pod to ReplicaSet to Deployment, Pod to
 * Job to CronJob, Pod to StatefulSet or DaemonSet, a bare Pod itself), counting each once however
 * often the Pod is seen again, and names the workload only when the Pod carries evidence a rule
 * reads: ordinary pod churn re-audits nothing.
 *
 * <p>Safe to call more than once per event, which JOSDK does (once for its secondary index, once
 * for the event itself): recording is idempotent, and the workload is named every time, since only
 * one of the calls leads to the reconcile.
 */
public final class PodEvidence {

  /** How the owner chain is looked up: any cached object of a kind, and what is audited. */
  public interface Owners {
    /** Any cached object of the kind (also one audited through its owner). */
    Optional<? extends HasMetadata> find(WorkloadKind kind, String namespace, String name);

    /** Whether the workload is audited on its own. */
    boolean exists(WorkloadId id);
  }

  private final EvidenceStore evidence;
  private final PyhygieneMetrics metrics;
  private final Owners owners;

  public PodEvidence(EvidenceStore evidence, PyhygieneMetrics metrics, Owners owners) {
    this.evidence = evidence;
    this.metrics = metrics;
    this.owners = owners;
  }

  /**
   * Records the Pod's terminations when its workload is of this kind; returns that workload when
   * the Pod carries evidence.
   */
  public Set<ResourceID> record(WorkloadKind kind, Pod pod) {
    Optional<WorkloadId> owner = owner(pod, id -> id.kind() == kind);
    return owner.isPresent() && record(owner.get(), pod)
        ? Set.of(owner.get().resourceId())
        : Set.of();
  }

  /** The audited workload the Pod's evidence belongs to, if it passes {@code wanted}. */
  Optional<WorkloadId> owner(Pod pod, Predicate<WorkloadId> wanted) {
    return Ownership.owner(
            pod,
            this::find,
            ref -> {
              Optional<WorkloadId> id = id(ref);
              return id.isPresent() && wanted.test(id.get()) && owners.exists(id.get());
            })
        .flatMap(PodEvidence::id);
  }

  private Optional<? extends HasMetadata> find(String namespace, OwnerReference ref) {
    return WorkloadKind.of(ref.getKind())
        .flatMap(k -> owners.find(k, namespace, ref.getName()))
        .filter(o -> ref.getUid() == null || ref.getUid().equals(o.getMetadata().getUid()));
  }

  private static Optional<WorkloadId> id(Ownership.Ref ref) {
    return WorkloadKind.of(ref.kind()).map(k -> new WorkloadId(k, ref.namespace(), ref.name()));
  }

  /** Records the Pod's terminations as the workload's; returns whether it carries evidence. */
  public boolean record(WorkloadId workload, Pod pod) {
    boolean evidenceOnPod = false;
    for (PodTerminations.Observed o : PodTerminations.of(pod)) {
      evidence.record(
          workload.key(),
          o,
          t -> {
            if (t.oomKilled()) {
              metrics.oomKilled(workload.namespace(), workload.kind().kind(), workload.name());
            } else {
              metrics.shutdownSigkilled(
                  workload.namespace(), workload.kind().kind(), workload.name());
            }
          });
      // Not "only when new": the second call of an event never sees a new termination, and it
      // may be the one whose answer JOSDK acts on. Re-auditing on a known one writes nothing.
      evidenceOnPod |= o.termination().sigkilledAtShutdown() || o.termination().oomKilled();
    }
    return evidenceOnPod;
  }
}
