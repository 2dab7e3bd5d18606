package io.pyhygiene.cli;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The pod spec inside each audited kind, and the images its containers name. */
final class PodTemplates {

  private PodTemplates() {}

  /** A container's image as written. */
  record ContainerImage(String container, String image) {}

  static Optional<PodSpec> spec(HasMetadata o) {
    PodTemplateSpec t = null;
    if (o instanceof Deployment d && d.getSpec() != null) {
      t = d.getSpec().getTemplate();
    } else if (o instanceof StatefulSet s && s.getSpec() != null) {
      t = s.getSpec().getTemplate();
    } else if (o instanceof DaemonSet ds && ds.getSpec() != null) {
      t = ds.getSpec().getTemplate();
    } else if (o instanceof ReplicaSet rs && rs.getSpec() != null) {
      t = rs.getSpec().getTemplate();
    } else if (o instanceof Job j && j.getSpec() != null) {
      t = j.getSpec().getTemplate();
    } else if (o instanceof CronJob cj
        && cj.getSpec() != null
        && cj.getSpec().getJobTemplate() != null
        && cj.getSpec().getJobTemplate().getSpec() != null) {
      t = cj.getSpec().getJobTemplate().getSpec().getTemplate();
    } else if (o instanceof Pod p) {
      return Optional.ofNullable(p.getSpec());
    }
    return t == null ? Optional.empty() : Optional.ofNullable(t.getSpec());
  }

  /** The containers the engine audits (not init containers), with their images. */
  static List<ContainerImage> images(HasMetadata o) {
    List<ContainerImage> out = new ArrayList<>();
    spec(o).map(PodSpec::getContainers).orElse(List.of()).forEach(c -> add(out, c));
    return out;
  }

  private static void add(List<ContainerImage> out, Container c) {
    if (c != null && c.getName() != null) {
      out.add(new ContainerImage(c.getName(), c.getImage() == null ? "" : c.getImage()));
    }
  }
}
