package io.pyhygiene.testkit;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Stands in for the kubelet on a cluster without a node (or with pods kept off it): writes the
 * container statuses runtime evidence is read from.
 */
public final class Kubelet {

  private Kubelet() {}

  /**
   * Writes a terminated state for the pod's first container: as its current state, or with {@code
   * lastState} as the state before a restart (the container running again, restart count 1).
   * Retries a 409 (a controller may write the pod between the read and the write).
   */
  public static void terminate(
      KubernetesClient client, Pod pod, boolean lastState, int exitCode, String reason) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    ContainerState terminated =
        new ContainerStateBuilder()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason(reason)
            .withStartedAt(now)
            .withFinishedAt(now)
            .endTerminated()
            .build();
    Conflicts.retry(
        () ->
            client
                .pods()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName())
                .editStatus(
                    p -> {
                      Container container = p.getSpec().getContainers().get(0);
                      var status =
                          new ContainerStatusBuilder()
                              .withName(container.getName())
                              .withImage(container.getImage())
                              .withImageID("")
                              .withReady(false)
                              .withRestartCount(lastState ? 1 : 0);
                      if (lastState) {
                        status
                            .withLastState(terminated)
                            .withNewState()
                            .withNewRunning()
                            .withStartedAt(now)
                            .endRunning()
                            .endState();
                      } else {
                        status.withState(terminated);
                      }
                      p.getStatus().setContainerStatuses(List.of(status.build()));
                      return p;
                    }));
  }
}
