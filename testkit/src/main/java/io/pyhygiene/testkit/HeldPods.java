package io.pyhygiene.testkit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.List;

/**
 * Pods kept terminating by a test finalizer, so that a deleted Pod's status can be written as the
 * kubelet would (there is no kubelet); {@link #release} drops the finalizers after each test, also
 * when it fails.
 */
public final class HeldPods {

  public static final String HOLD = "test.pyhygiene.io/hold";

  private final KubernetesClient k8s;
  private final List<Pod> held = new ArrayList<>();

  public HeldPods(KubernetesClient k8s) {
    this.k8s = k8s;
  }

  /** Gives the pod the finalizer, then deletes it: it stays, terminating, until released. */
  public void holdAndDelete(Pod pod) {
    var ref =
        k8s.pods()
            .inNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName());
    // a Job's pod gets the Job controller's finalizer meanwhile: edit retries the conflict
    Conflicts.retry(
        () ->
            ref.edit(
                p -> {
                  p.getMetadata().getFinalizers().add(HOLD);
                  return p;
                }));
    held.add(pod);
    ref.delete();
  }

  public void release() {
    for (Pod p : held) {
      try {
        k8s.pods()
            .inNamespace(p.getMetadata().getNamespace())
            .withName(p.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
      } catch (KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
    held.clear();
  }
}
