package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Optional;

/** Where each audited kind keeps its pod template. */
public final class PodTemplates {

  private static final List<String> SPEC_TEMPLATE = List.of("spec", "template");
  private static final List<String> CRON_JOB_TEMPLATE =
      List.of("spec", "jobTemplate", "spec", "template");

  private PodTemplates() {}

  /**
   * The object's pod template (a bare Pod's metadata and spec, as a template); empty when it has
   * none yet or is not an audited kind.
   */
  public static Optional<PodTemplateSpec> of(HasMetadata o) {
    if (o instanceof Deployment d) {
      return Optional.ofNullable(d.getSpec()).map(s -> s.getTemplate());
    }
    if (o instanceof StatefulSet s) {
      return Optional.ofNullable(s.getSpec()).map(x -> x.getTemplate());
    }
    if (o instanceof DaemonSet ds) {
      return Optional.ofNullable(ds.getSpec()).map(x -> x.getTemplate());
    }
    if (o instanceof ReplicaSet rs) {
      return Optional.ofNullable(rs.getSpec()).map(x -> x.getTemplate());
    }
    if (o instanceof Job j) {
      return Optional.ofNullable(j.getSpec()).map(x -> x.getTemplate());
    }
    if (o instanceof CronJob cj) {
      return Optional.ofNullable(cj.getSpec())
          .map(x -> x.getJobTemplate())
          .map(x -> x.getSpec())
          .map(x -> x.getTemplate());
    }
    if (o instanceof Pod p) {
      return Optional.of(new PodTemplateSpec(p.getMetadata(), p.getSpec()));
    }
    return Optional.empty();
  }

  /**
   * The field path of the pod template in an object of the kind (a bare Pod has none: its spec is
   * the pod's own).
   */
  public static Optional<List<String>> path(WorkloadKind kind) {
    return switch (kind) {
      case CRON_JOB -> Optional.of(CRON_JOB_TEMPLATE);
      case POD -> Optional.empty();
      default -> Optional.of(SPEC_TEMPLATE);
    };
  }
}
