package io.pyhygiene.operator.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodEvidenceTest {

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final EvidenceStore store =
      new EvidenceStore(
          Clock.fixed(Instant.parse("2026-11-25T10:05:00Z"), ZoneOffset.UTC), Duration.ofHours(1));
  final PodEvidence mapper =
      new PodEvidence(
          store,
          new PyhygieneMetrics(registry),
          new PodEvidence.Owners() {
            @Override
            public Optional<? extends HasMetadata> find(WorkloadKind kind, String ns, String name) {
              return Optional.empty(); // the ReplicaSet is not cached: found by its name
            }

            @Override
            public boolean exists(WorkloadId id) {
              return id.equals(API);
            }
          });
  static final WorkloadId API = new WorkloadId(WorkloadKind.DEPLOYMENT, "shop", "api");

  double counter(String name) {
    var c =
        registry
            .find(name)
            .tag("namespace", "shop")
            .tag("kind", "Deployment")
            .tag("name", "api")
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aPodWithEvidenceIsRecordedOnceAndNamesItsDeploymentEveryTime() {
    Pod killed = EvidenceTest.pod(true, 137, "Error", "2026-11-25T10:00:30Z");
    // JOSDK calls the mapper twice per event; both answers must name the Deployment
    assertThat(mapper.record(WorkloadKind.DEPLOYMENT, killed))
        .containsExactly(new ResourceID("api", "shop"));
    assertThat(mapper.record(WorkloadKind.DEPLOYMENT, killed))
        .containsExactly(new ResourceID("api", "shop"));
    assertThat(mapper.record(WorkloadKind.STATEFUL_SET, killed))
        .as("a Deployment's pod is no StatefulSet's evidence")
        .isEmpty();
    assertThat(store.terminations(API.key()))
        .singleElement()
        .satisfies(t -> assertThat(t.sigkilledAtShutdown()).isTrue());
    assertThat(counter("pyhygiene.shutdown.sigkilled")).isEqualTo(1);
    assertThat(counter("pyhygiene.oom.killed")).isZero();

    Pod oom = EvidenceTest.pod(false, 137, "OOMKilled", "2026-11-25T10:01:00Z");
    oom.getMetadata().setUid("u2");
    assertThat(mapper.record(WorkloadKind.DEPLOYMENT, oom))
        .containsExactly(new ResourceID("api", "shop"));
    assertThat(counter("pyhygiene.oom.killed")).isEqualTo(1);
    assertThat(store.terminations(API.key())).hasSize(2);
  }

  @Test
  void ordinaryPodChurnReauditsNothing() {
    assertThat(
            mapper.record(
                WorkloadKind.DEPLOYMENT,
                EvidenceTest.pod(true, 0, "Completed", "2026-11-25T10:00:30Z")))
        .isEmpty();
    Pod running = EvidenceTest.pod(false, 0, "Completed", null);
    running.getStatus().getContainerStatuses().get(0).getState().setTerminated(null);
    assertThat(mapper.record(WorkloadKind.DEPLOYMENT, running)).isEmpty();
    assertThat(store.terminations(API.key())).isEmpty();
  }

  @Test
  void aPodWithoutAReplicaSetOwnerBelongsToNoDeployment() {
    Pod bare = EvidenceTest.pod(true, 137, "Error", "2026-11-25T10:00:30Z");
    bare.getMetadata().setOwnerReferences(null);
    assertThat(mapper.record(WorkloadKind.DEPLOYMENT, bare)).isEmpty();
    assertThat(store.terminations(API.key())).isEmpty();
  }
}
