package io.pyhygiene.operator.evidence;

import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a Pod event into evidence and into the Deployment to re-audit (the pod informer's
 * secondary-to-primary mapper). Records each container termination the Pod shows as evidence of
 * its Deployment, counting each once however often the Pod is seen again, and names the
 * Deployment only when the Pod carries evidence a rule reads: ordinary pod churn re-audits
 * nothing.
 *
 * <p>Safe to call more than once per event, which JOSDK does (once for its secondary index, once
 * for the event itself): recording is idempotent, and the Deployment is named every time, since
 * only one of the calls leads to the reconcile.
 */
public final class PodEvidence {

  private final EvidenceStore evidence;
  private final PyhygieneMetrics metrics;

  public PodEvidence(EvidenceStore evidence, PyhygieneMetrics metrics) {
    this.evidence = evidence;
    this.metrics = metrics;
  }

  /** Records the Pod's terminations; returns its Deployment when it carries evidence. */
  public Set<ResourceID> record(Pod pod) {
    Optional<String> deployment = PodTerminations.deploymentName(pod);
    if (deployment.isEmpty()) {
      return Set.of();
    }
    String namespace = pod.getMetadata().getNamespace();
    String key = namespace + "/" + deployment.get();
    boolean evidenceOnPod = false;
    for (PodTerminations.Observed o : PodTerminations.of(pod)) {
      evidence.record(key, o, t -> {
        if (t.oomKilled()) {
          metrics.oomKilled(namespace, deployment.get());
        } else {
          metrics.shutdownSigkilled(namespace, deployment.get());
        }
      });
      // Not "only when new": the second call of an event never sees a new termination, and it
      // may be the one whose answer JOSDK acts on. Re-auditing on a known one writes nothing.
      evidenceOnPod |= o.termination().sigkilledAtShutdown() || o.termination().oomKilled();
    }
    return evidenceOnPod ? Set.of(new ResourceID(deployment.get(), namespace)) : Set.of();
  }
}
