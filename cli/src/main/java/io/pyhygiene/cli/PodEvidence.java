package io.pyhygiene.cli;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.pyhygiene.workload.Observations.Termination;
import io.pyhygiene.workload.Ownership;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The runtime evidence a one-shot scan can read: the container terminations the kubelet recorded in
 * each Pod's status, and the audited workload each Pod belongs to, found through owner references
 * (Pod to ReplicaSet to Deployment, Pod to Job to CronJob, Pod to StatefulSet or DaemonSet; a Pod
 * no controller owns is its own workload).
 *
 * <p>The operator has its own reader (operator/evidence/PodTerminations) over the same fields; this
 * one differs in two ways a scan needs: it follows every kind's owner chain (the operator watches
 * Deployments only), and it dates the start of a deletion from {@code deletionTimestamp} minus
 * {@code deletionGracePeriodSeconds} (the API server sets the timestamp to the end of the grace
 * period), so a kill at the end of the grace period counts however the clocks round.
 */
final class PodEvidence {

  private PodEvidence() {}

  /** What a workload is called in the scan: kind, namespace, name. */
  record WorkloadKey(String kind, String namespace, String name) {
    static WorkloadKey of(HasMetadata o) {
      // list items carry no kind on the wire: the model class says it
      return new WorkloadKey(
          HasMetadata.getKind(o.getClass()), PodEvidence.namespace(o), o.getMetadata().getName());
    }
  }

  /**
   * Terminations recorded in the Pod's status. {@code state.terminated} on a Pod being deleted (its
   * {@code deletionTimestamp} set: a finalizer or the kubelet still holds it) counts as a shutdown
   * when it ended after the deletion began; {@code lastState.terminated} is a container that
   * restarted afterwards, so its pod was not being deleted then.
   */
  static List<Termination> terminations(Pod pod) {
    List<Termination> out = new ArrayList<>();
    if (pod.getStatus() == null || pod.getMetadata() == null) {
      return out;
    }
    Instant deletionBegan = deletionBegan(pod);
    for (List<ContainerStatus> statuses :
        List.of(
            nonNull(pod.getStatus().getContainerStatuses()),
            nonNull(pod.getStatus().getInitContainerStatuses()))) {
      for (ContainerStatus cs : statuses) {
        if (cs == null || cs.getName() == null) {
          continue;
        }
        add(out, pod, cs.getName(), cs.getState(), deletionBegan);
        add(out, pod, cs.getName(), cs.getLastState(), null);
      }
    }
    return out;
  }

  private static void add(
      List<Termination> out,
      Pod pod,
      String container,
      ContainerState state,
      Instant deletionBegan) {
    ContainerStateTerminated t = state == null ? null : state.getTerminated();
    if (t == null || t.getExitCode() == null) {
      return;
    }
    Instant finished = parse(t.getFinishedAt());
    boolean deleting =
        deletionBegan != null && (finished == null || !finished.isBefore(deletionBegan));
    out.add(
        new Termination(
            pod.getMetadata().getName(),
            container,
            t.getExitCode(),
            t.getReason() == null ? "" : t.getReason(),
            deleting,
            finished));
  }

  /** When the deletion was asked for: the deletion timestamp is that plus the grace period. */
  static Instant deletionBegan(Pod pod) {
    Instant at = parse(pod.getMetadata().getDeletionTimestamp());
    if (at == null) {
      return null;
    }
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    return grace == null || grace <= 0 ? at : at.minusSeconds(grace);
  }

  /**
   * Finds owners by uid (or, when the API server left the uid out, by kind and name): the
   * ReplicaSets and Jobs of the scan, whatever their own owners.
   */
  static final class Owners {
    private final Map<String, HasMetadata> byUid = new HashMap<>();
    private final Map<WorkloadKey, HasMetadata> byKey = new HashMap<>();

    void add(HasMetadata o) {
      if (o.getMetadata() == null) {
        return;
      }
      if (o.getMetadata().getUid() != null) {
        byUid.put(o.getMetadata().getUid(), o);
      }
      byKey.put(WorkloadKey.of(o), o);
    }

    Optional<HasMetadata> find(String namespace, OwnerReference ref) {
      HasMetadata o = ref.getUid() == null ? null : byUid.get(ref.getUid());
      if (o == null) {
        o = byKey.get(new WorkloadKey(ref.getKind(), namespace, ref.getName()));
      }
      return Optional.ofNullable(o);
    }
  }

  /**
   * The audited workload the Pod's evidence belongs to, among {@code audited}; empty when its owner
   * is not audited (another controller's Pod, or a kind the user may not list). The chain is {@link
   * Ownership#owner}'s, shared with the operator.
   */
  static Optional<WorkloadKey> owner(Pod pod, Owners owners, Set<WorkloadKey> audited) {
    return Ownership.owner(pod, owners::find, r -> audited.contains(key(r))).map(PodEvidence::key);
  }

  private static WorkloadKey key(Ownership.Ref r) {
    return new WorkloadKey(r.kind(), r.namespace(), r.name());
  }

  static String namespace(HasMetadata o) {
    return Ownership.namespace(o);
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static Instant parse(String time) {
    try {
      return time == null ? null : Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
