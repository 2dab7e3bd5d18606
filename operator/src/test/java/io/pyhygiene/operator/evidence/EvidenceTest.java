package io.pyhygiene.operator.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.pyhygiene.workload.Observations.Termination;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvidenceTest {

  static Pod pod(boolean deleting, int exitCode, String reason, String finishedAt) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName("api-5d9f7c-x2")
            .withNamespace("shop")
            .withUid("u1")
            .addToLabels("pod-template-hash", "5d9f7c")
            .addNewOwnerReference()
            .withKind("ReplicaSet")
            .withName("api-5d9f7c")
            .withController(true)
            .endOwnerReference()
            .withDeletionTimestamp(deleting ? "2026-11-25T10:00:00Z" : null)
            .endMetadata()
            .withNewStatus()
            .addNewContainerStatus()
            .withName("app")
            .withRestartCount(0)
            .withNewState()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason(reason)
            .withFinishedAt(finishedAt)
            .endTerminated()
            .endState()
            .endContainerStatus()
            .endStatus();
    return b.build();
  }

  @Test
  void classifiesTerminationsAndFindsTheDeployment() {
    List<PodTerminations.Observed> killed =
        PodTerminations.of(pod(true, 137, "Error", "2026-11-25T10:00:30Z"));
    assertThat(killed)
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.termination().sigkilledAtShutdown()).isTrue();
              assertThat(o.termination().container()).isEqualTo("app");
            });
    assertThat(
            PodTerminations.of(pod(false, 137, "OOMKilled", null)).get(0).termination().oomKilled())
        .isTrue();
    assertThat(
            PodTerminations.of(pod(true, 137, "OOMKilled", null))
                .get(0)
                .termination()
                .sigkilledAtShutdown())
        .as("an OOM kill is not a shutdown SIGKILL")
        .isFalse();
    assertThat(
            PodTerminations.of(pod(true, 0, "Completed", null))
                .get(0)
                .termination()
                .sigkilledAtShutdown())
        .isFalse();
    assertThat(PodTerminations.deploymentName(pod(true, 137, "Error", null))).contains("api");
    assertThat(
            PodTerminations.of(pod(true, 137, "Error", "2026-11-25T09:59:00Z"))
                .get(0)
                .termination()
                .sigkilledAtShutdown())
        .as("exited 137 before the pod's deletion began")
        .isFalse();
  }

  @Test
  void storeCountsOnceAndForgetsAfterTheWindow() {
    Instant[] now = {Instant.parse("2026-11-25T10:01:00Z")};
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    EvidenceStore store = new EvidenceStore(clock, Duration.ofHours(1));
    List<Termination> counted = new ArrayList<>();
    PodTerminations.Observed o =
        PodTerminations.of(pod(true, 137, "Error", "2026-11-25T10:00:30Z")).get(0);
    assertThat(store.record("shop/api", o, counted::add)).isTrue();
    assertThat(store.record("shop/api", o, counted::add)).as("same termination again").isFalse();
    assertThat(counted).hasSize(1);
    PodTerminations.Observed ok = PodTerminations.of(pod(true, 0, "Completed", null)).get(0);
    assertThat(store.record("shop/api", ok, counted::add)).as("not evidence").isFalse();
    assertThat(store.terminations("shop/api")).hasSize(1);
    now[0] = Instant.parse("2026-11-25T11:05:00Z");
    assertThat(store.terminations("shop/api")).isEmpty();
    store.expire();
    assertThat(store.terminations("shop/api")).isEmpty();
    PodTerminations.Observed old =
        PodTerminations.of(pod(true, 137, "Error", "2026-11-25T09:00:00Z")).get(0);
    assertThat(store.record("shop/api", old, counted::add)).as("older than the window").isFalse();
  }
}
