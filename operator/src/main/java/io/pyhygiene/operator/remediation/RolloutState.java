package io.pyhygiene.operator.remediation;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.util.Objects;

/**
 * Whether a workload is in the middle of a rollout, from what its controller reports in the status:
 * remediation waits until it is not, and a remediation's own rollout holds a slot while it is. A
 * kind whose template change rolls nothing out (a CronJob's next run) is never in one.
 */
public final class RolloutState {

  private static final String ON_DELETE = "OnDelete";

  private RolloutState() {}

  public static boolean inProgress(HasMetadata o) {
    if (o instanceof Deployment d) {
      return inProgress(d);
    }
    if (o instanceof StatefulSet s) {
      return inProgress(s);
    }
    if (o instanceof DaemonSet ds) {
      return inProgress(ds);
    }
    return false;
  }

  static boolean inProgress(Deployment d) {
    DeploymentStatus s = d.getStatus();
    if (behind(d, s == null ? null : s.getObservedGeneration())) {
      return true;
    }
    int desired =
        d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    int updated = nz(s.getUpdatedReplicas());
    int total = nz(s.getReplicas());
    return updated < desired || total > updated || nz(s.getUnavailableReplicas()) > 0;
  }

  /**
   * A StatefulSet rolls until every pod it is meant to update runs the update revision and is
   * ready. With {@code OnDelete} nothing rolls by itself (pods take the template when deleted), so
   * only the controller catching up counts; with a {@code partition}, only the ordinals at or above
   * it are updated.
   */
  static boolean inProgress(StatefulSet st) {
    StatefulSetStatus s = st.getStatus();
    if (behind(st, s == null ? null : s.getObservedGeneration())) {
      return true;
    }
    var spec = st.getSpec();
    var strategy = spec == null ? null : spec.getUpdateStrategy();
    if (strategy != null && ON_DELETE.equals(strategy.getType())) {
      return false;
    }
    int desired = spec == null || spec.getReplicas() == null ? 1 : spec.getReplicas();
    int partition =
        strategy == null
                || strategy.getRollingUpdate() == null
                || strategy.getRollingUpdate().getPartition() == null
            ? 0
            : strategy.getRollingUpdate().getPartition();
    if (partition > 0) {
      return nz(s.getUpdatedReplicas()) < Math.max(0, desired - partition);
    }
    return nz(s.getUpdatedReplicas()) < desired
        || nz(s.getReadyReplicas()) < desired
        || !Objects.equals(s.getCurrentRevision(), s.getUpdateRevision());
  }

  /**
   * A DaemonSet rolls until every node it schedules on runs an updated, available pod ({@code
   * OnDelete}: only the controller catching up counts).
   */
  static boolean inProgress(DaemonSet ds) {
    DaemonSetStatus s = ds.getStatus();
    if (behind(ds, s == null ? null : s.getObservedGeneration())) {
      return true;
    }
    var strategy = ds.getSpec() == null ? null : ds.getSpec().getUpdateStrategy();
    if (strategy != null && ON_DELETE.equals(strategy.getType())) {
      return false;
    }
    return nz(s.getUpdatedNumberScheduled()) < nz(s.getDesiredNumberScheduled())
        || nz(s.getNumberUnavailable()) > 0;
  }

  /** Whether the controller has not yet caught up with the latest spec. */
  private static boolean behind(HasMetadata o, Long observedGeneration) {
    Long generation = o.getMetadata().getGeneration();
    return observedGeneration == null || (generation != null && observedGeneration < generation);
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
