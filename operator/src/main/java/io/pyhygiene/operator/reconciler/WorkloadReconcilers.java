package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.pyhygiene.operator.evidence.PodTerminations;
import io.pyhygiene.operator.reconciler.WorkloadReconciler.Wiring;
import io.pyhygiene.workload.WorkloadKind;
import java.util.List;

/**
 * One {@link WorkloadReconciler} per audited kind. Each is an anonymous subclass naming its
 * fabric8 type (JOSDK reads the primary type from the class's type argument) and the label its
 * pods carry. Deployments' pods carry the ReplicaSet's template hash; StatefulSets' and
 * DaemonSets' the controller revision hash; Jobs' (also a CronJob's Jobs') the Job's name. A
 * ReplicaSet no Deployment controls gives its pods no label of its own, so no runtime evidence is
 * read for it (a bare ReplicaSet is rare); a bare Pod's own status carries its evidence.
 */
public final class WorkloadReconcilers {

  private WorkloadReconcilers() {}

  /** A reconciler for every kind in {@link WorkloadKind}. */
  public static List<WorkloadReconciler<?>> all(Wiring w) {
    String hash = PodTerminations.TEMPLATE_HASH_LABEL;
    String revision = PodTerminations.REVISION_HASH_LABEL;
    String job = PodTerminations.JOB_NAME_LABEL;
    return List.of(
        new WorkloadReconciler<Deployment>(WorkloadKind.DEPLOYMENT, Deployment.class, hash, w) {},
        new WorkloadReconciler<StatefulSet>(
            WorkloadKind.STATEFUL_SET, StatefulSet.class, revision, w) {},
        new WorkloadReconciler<DaemonSet>(WorkloadKind.DAEMON_SET, DaemonSet.class, revision, w) {},
        new WorkloadReconciler<ReplicaSet>(WorkloadKind.REPLICA_SET, ReplicaSet.class, null, w) {},
        new WorkloadReconciler<Job>(WorkloadKind.JOB, Job.class, job, w) {},
        new WorkloadReconciler<CronJob>(WorkloadKind.CRON_JOB, CronJob.class, job, w) {},
        new WorkloadReconciler<Pod>(WorkloadKind.POD, Pod.class, null, w) {});
  }
}
