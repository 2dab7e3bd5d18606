package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.pyhygiene.cli.PodEvidence.WorkloadKey;
import io.pyhygiene.workload.Observations.Termination;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodEvidenceTest {

  static OwnerReference controller(String kind, String name, String uid) {
    return new OwnerReferenceBuilder()
        .withKind(kind)
        .withName(name)
        .withUid(uid)
        .withController(true)
        .withApiVersion("v1")
        .build();
  }

  static PodBuilder pod(String name, OwnerReference... owners) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .withUid("uid-" + name)
        .withOwnerReferences(owners)
        .endMetadata();
  }

  static Pod withStatus(
      PodBuilder b, String state, int exitCode, String reason, String finishedAt) {
    var cs = new ContainerStatusBuilder().withName("app").withRestartCount(1);
    if (state.equals("state")) {
      cs.withNewState()
          .withNewTerminated()
          .withExitCode(exitCode)
          .withReason(reason)
          .withFinishedAt(finishedAt)
          .endTerminated()
          .endState();
    } else {
      cs.withNewLastState()
          .withNewTerminated()
          .withExitCode(exitCode)
          .withReason(reason)
          .withFinishedAt(finishedAt)
          .endTerminated()
          .endLastState();
    }
    return b.withNewStatus().withContainerStatuses(cs.build()).endStatus().build();
  }

  @Test
  void aKillAfterTheDeletionBeganIsAShutdownSigkill() {
    // deletion asked for at 10:00:00 with a 30 s grace period: the timestamp says 10:00:30
    PodBuilder b = pod("p");
    b.editMetadata()
        .withDeletionTimestamp("2026-01-01T10:00:30Z")
        .withDeletionGracePeriodSeconds(30L)
        .endMetadata();
    Pod killedAtTheEnd = withStatus(b, "state", 137, "Error", "2026-01-01T10:00:30Z");
    assertThat(PodEvidence.terminations(killedAtTheEnd))
        .singleElement()
        .satisfies(t -> assertThat(t.sigkilledAtShutdown()).isTrue());
    // a kill rounded to the second before the timestamp still followed the deletion request
    Pod rounded = withStatus(b, "state", 137, "Error", "2026-01-01T10:00:29Z");
    assertThat(PodEvidence.terminations(rounded).get(0).sigkilledAtShutdown()).isTrue();
    // a 137 before the deletion was asked for (a liveness kill, say) is not a shutdown
    Pod before = withStatus(b, "state", 137, "Error", "2026-01-01T09:59:00Z");
    assertThat(PodEvidence.terminations(before).get(0).sigkilledAtShutdown()).isFalse();
  }

  @Test
  void lastStateIsNeverAShutdownButCountsForOomKills() {
    PodBuilder b = pod("p");
    b.editMetadata().withDeletionTimestamp("2026-01-01T10:00:30Z").endMetadata();
    Pod restarted = withStatus(b, "lastState", 137, "OOMKilled", "2026-01-01T10:00:40Z");
    Termination t = PodEvidence.terminations(restarted).get(0);
    assertThat(t.podDeleting()).isFalse();
    assertThat(t.oomKilled()).isTrue();
    assertThat(t.pod()).isEqualTo("p");
    assertThat(t.container()).isEqualTo("app");
    assertThat(PodEvidence.terminations(pod("running").build())).isEmpty();
  }

  @Test
  void ownerChainsLeadToTheAuditedWorkload() {
    ReplicaSet rs =
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withName("web-5d8f")
            .withNamespace("ns")
            .withUid("rs-1")
            .withOwnerReferences(controller("Deployment", "web", "d-1"))
            .endMetadata()
            .build();
    ReplicaSet bareRs =
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withName("lonely")
            .withNamespace("ns")
            .withUid("rs-2")
            .endMetadata()
            .build();
    Job cronJobRun =
        new JobBuilder()
            .withNewMetadata()
            .withName("nightly-2900")
            .withNamespace("ns")
            .withUid("j-1")
            .withOwnerReferences(controller("CronJob", "nightly", "cj-1"))
            .endMetadata()
            .build();
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName("migrate")
            .withNamespace("ns")
            .withUid("j-2")
            .endMetadata()
            .build();
    PodEvidence.Owners owners = new PodEvidence.Owners();
    List.<HasMetadata>of(rs, bareRs, cronJobRun, job).forEach(owners::add);
    Set<WorkloadKey> audited =
        Set.of(
            new WorkloadKey("Deployment", "ns", "web"),
                new WorkloadKey("ReplicaSet", "ns", "lonely"),
            new WorkloadKey("CronJob", "ns", "nightly"), new WorkloadKey("Job", "ns", "migrate"),
            new WorkloadKey("StatefulSet", "ns", "db"), new WorkloadKey("Pod", "ns", "bare"));

    assertThat(
            owner(pod("a", controller("ReplicaSet", "web-5d8f", "rs-1")).build(), owners, audited))
        .contains(new WorkloadKey("Deployment", "ns", "web"));
    assertThat(owner(pod("b", controller("ReplicaSet", "lonely", "rs-2")).build(), owners, audited))
        .contains(new WorkloadKey("ReplicaSet", "ns", "lonely"));
    assertThat(owner(pod("c", controller("Job", "nightly-2900", "j-1")).build(), owners, audited))
        .contains(new WorkloadKey("CronJob", "ns", "nightly"));
    assertThat(owner(pod("d", controller("Job", "migrate", "j-2")).build(), owners, audited))
        .contains(new WorkloadKey("Job", "ns", "migrate"));
    assertThat(owner(pod("db-0", controller("StatefulSet", "db", "s-1")).build(), owners, audited))
        .contains(new WorkloadKey("StatefulSet", "ns", "db"));
    assertThat(owner(pod("bare").build(), owners, audited))
        .contains(new WorkloadKey("Pod", "ns", "bare"));
    // another controller's pod (an operator's CRD) belongs to nothing audited
    assertThat(owner(pod("e", controller("Rollout", "canary", "r-1")).build(), owners, audited))
        .isEmpty();
  }

  @Test
  void aReplicaSetThatWasNotListedIsFoundByThePodTemplateHash() {
    Pod p = pod("web-5d8f-x2", controller("ReplicaSet", "web-5d8f", "unseen")).build();
    p.getMetadata().setLabels(Map.of("pod-template-hash", "5d8f"));
    assertThat(
            owner(p, new PodEvidence.Owners(), Set.of(new WorkloadKey("Deployment", "ns", "web"))))
        .contains(new WorkloadKey("Deployment", "ns", "web"));
    assertThat(owner(p, new PodEvidence.Owners(), Set.of())).isEmpty();
  }

  static Optional<WorkloadKey> owner(Pod pod, PodEvidence.Owners owners, Set<WorkloadKey> audited) {
    return PodEvidence.owner(pod, owners, audited);
  }
}
