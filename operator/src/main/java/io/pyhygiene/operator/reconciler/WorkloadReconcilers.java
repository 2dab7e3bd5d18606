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
 * One {@link WorkloadReconciler} per audited kind. Each is a small named subclass naming its
 * fabric8 type (JOSDK reads the primary type from the class's type argument, and keys its
 * configurations by the class's name: anonymous subclasses would all share the empty name) and the
 * label its pods carry. Deployments' pods carry the ReplicaSet's template hash; StatefulSets' and
 * DaemonSets' the controller revision hash; Jobs' (also a CronJob's Jobs') the Job's name. A
 * ReplicaSet no Deployment controls gives its pods no label of its own, so no runtime evidence is
 * read for it (a bare ReplicaSet is rare); a bare Pod's own status carries its evidence.
 */
public final class WorkloadReconcilers {

  private static final String HASH = PodTerminations.TEMPLATE_HASH_LABEL;
  private static final String REVISION = PodTerminations.REVISION_HASH_LABEL;
  private static final String JOB = PodTerminations.JOB_NAME_LABEL;

  private WorkloadReconcilers() {}

  /** A reconciler for every kind in {@link WorkloadKind}. */
  public static List<WorkloadReconciler<?>> all(Wiring w) {
    return List.of(
        new Deployments(w),
        new StatefulSets(w),
        new DaemonSets(w),
        new ReplicaSets(w),
        new Jobs(w),
        new CronJobs(w),
        new Pods(w));
  }

  static final class Deployments extends WorkloadReconciler<Deployment> {
    Deployments(Wiring w) {
      super(WorkloadKind.DEPLOYMENT, Deployment.class, HASH, w);
    }
  }

  static final class StatefulSets extends WorkloadReconciler<StatefulSet> {
    StatefulSets(Wiring w) {
      super(WorkloadKind.STATEFUL_SET, StatefulSet.class, REVISION, w);
    }
  }

  static final class DaemonSets extends WorkloadReconciler<DaemonSet> {
    DaemonSets(Wiring w) {
      super(WorkloadKind.DAEMON_SET, DaemonSet.class, REVISION, w);
    }
  }

  static final class ReplicaSets extends WorkloadReconciler<ReplicaSet> {
    ReplicaSets(Wiring w) {
      super(WorkloadKind.REPLICA_SET, ReplicaSet.class, null, w);
    }
  }

  static final class Jobs extends WorkloadReconciler<Job> {
    Jobs(Wiring w) {
      super(WorkloadKind.JOB, Job.class, JOB, w);
    }
  }

  static final class CronJobs extends WorkloadReconciler<CronJob> {
    CronJobs(Wiring w) {
      super(WorkloadKind.CRON_JOB, CronJob.class, JOB, w);
    }
  }

  static final class Pods extends WorkloadReconciler<Pod> {
    Pods(Wiring w) {
      super(WorkloadKind.POD, Pod.class, null, w);
    }
  }
}
