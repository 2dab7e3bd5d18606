package io.pyhygiene.operator.remediation;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/** Whether a Deployment is in the middle of a rollout: remediation waits until it is not. */
public final class RolloutState {

  private RolloutState() {}

  public static boolean inProgress(Deployment d) {
    DeploymentStatus s = d.getStatus();
    Long generation = d.getMetadata().getGeneration();
    if (s == null
        || s.getObservedGeneration() == null
        || (generation != null && s.getObservedGeneration() < generation)) {
      return true; // the controller has not caught up with the latest spec
    }
    int desired =
        d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    int updated = nz(s.getUpdatedReplicas());
    int total = nz(s.getReplicas());
    return updated < desired || total > updated || nz(s.getUnavailableReplicas()) > 0;
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
