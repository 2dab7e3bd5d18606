package io.pyhygiene.operator.evidence;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.pyhygiene.workload.Observations.Termination;
import io.pyhygiene.workload.Ownership;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads container terminations out of a Pod's status, and the labels that mark a controller's pods.
 */
public final class PodTerminations {

  private PodTerminations() {}

  /** Label every pod of a Deployment carries (set by the Deployment controller). */
  public static final String TEMPLATE_HASH_LABEL = Ownership.TEMPLATE_HASH_LABEL;

  /** Label every pod of a StatefulSet or DaemonSet carries (set by its controller). */
  public static final String REVISION_HASH_LABEL = "controller-revision-hash";

  /** Label every pod of a Job carries (set by the Job controller). */
  public static final String JOB_NAME_LABEL = "job-name";

  /**
   * A termination with its identity, so the same one seen on many updates counts once.
   *
   * @param key pod uid, container, restart count and finish time
   * @param termination what happened
   */
  public record Observed(String key, Termination termination) {}

  public static List<Observed> of(Pod pod) {
    List<Observed> out = new ArrayList<>();
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return out;
    }
    Instant deletion = parse(pod.getMetadata().getDeletionTimestamp());
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      add(out, pod, cs, cs.getState(), deletion);
      // lastState: a termination before a restart; the pod was not being deleted then.
      add(out, pod, cs, cs.getLastState(), null);
    }
    return out;
  }

  private static void add(
      List<Observed> out, Pod pod, ContainerStatus cs, ContainerState state, Instant deletion) {
    ContainerStateTerminated t = state == null ? null : state.getTerminated();
    if (t == null || t.getExitCode() == null) {
      return;
    }
    Instant finished = parse(t.getFinishedAt());
    // A shutdown kill happens after the deletion began; a 137 from before (a liveness kill, say)
    // found on a pod deleted later is not one.
    boolean deleting = deletion != null && (finished == null || !finished.isBefore(deletion));
    String key =
        pod.getMetadata().getUid()
            + "/"
            + cs.getName()
            + "/"
            + cs.getRestartCount()
            + "/"
            + t.getFinishedAt()
            + "/"
            + t.getExitCode();
    out.add(
        new Observed(
            key,
            new Termination(
                pod.getMetadata().getName(),
                cs.getName(),
                t.getExitCode(),
                t.getReason() == null ? "" : t.getReason(),
                deleting,
                finished)));
  }

  private static Instant parse(String time) {
    try {
      return time == null ? null : Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The owning Deployment's name, from the Pod's ReplicaSet name and template-hash label. */
  public static Optional<String> deploymentName(Pod pod) {
    return Ownership.deploymentOf(pod).map(Ownership.Ref::name);
  }
}
