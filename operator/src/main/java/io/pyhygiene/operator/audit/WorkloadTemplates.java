package io.pyhygiene.operator.audit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/** Where each kind keeps its pod template. */
public final class WorkloadTemplates {

  private WorkloadTemplates() {}

  /**
   * The object's pod template (a bare Pod's spec, as a template); null when it has none yet.
   * Compared across an UPDATE to tell a rollout from a metadata or scale change.
   */
  public static Object template(HasMetadata o) {
    if (o instanceof Deployment d) {
      return d.getSpec() == null ? null : d.getSpec().getTemplate();
    }
    if (o instanceof StatefulSet s) {
      return s.getSpec() == null ? null : s.getSpec().getTemplate();
    }
    if (o instanceof DaemonSet ds) {
      return ds.getSpec() == null ? null : ds.getSpec().getTemplate();
    }
    if (o instanceof ReplicaSet rs) {
      return rs.getSpec() == null ? null : rs.getSpec().getTemplate();
    }
    if (o instanceof Job j) {
      return j.getSpec() == null ? null : j.getSpec().getTemplate();
    }
    if (o instanceof CronJob cj) {
      return cj.getSpec() == null
              || cj.getSpec().getJobTemplate() == null
              || cj.getSpec().getJobTemplate().getSpec() == null
          ? null
          : cj.getSpec().getJobTemplate().getSpec().getTemplate();
    }
    if (o instanceof Pod p) {
      return new PodTemplateSpec(null, p.getSpec());
    }
    return null;
  }
}
