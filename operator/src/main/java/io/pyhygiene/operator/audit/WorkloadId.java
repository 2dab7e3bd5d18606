package io.pyhygiene.operator.audit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pyhygiene.workload.WorkloadKind;
import java.util.Locale;

/**
 * An audited workload by kind, namespace and name: the key of everything the operator keeps about
 * one (its audit, its evidence, the policies that selected it, its own writes). Two workloads of
 * different kinds may share a name.
 *
 * @param kind its kind
 * @param namespace its namespace
 * @param name its name
 */
public record WorkloadId(WorkloadKind kind, String namespace, String name) {

  public static WorkloadId of(HasMetadata o) {
    return new WorkloadId(kindOf(o), o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /** {@code Kind/namespace/name}. */
  public String key() {
    return kind.kind() + "/" + namespace + "/" + name;
  }

  public ResourceID resourceId() {
    return new ResourceID(name, namespace);
  }

  /** The audited kind of a fabric8 object (list items carry no kind: the class says it). */
  public static WorkloadKind kindOf(HasMetadata o) {
    return WorkloadKind.of(HasMetadata.getKind(o.getClass()))
        .orElseThrow(
            () -> new IllegalArgumentException("not an audited kind: " + o.getClass().getName()));
  }

  /** The fabric8 model class of a kind. */
  public static Class<? extends HasMetadata> type(WorkloadKind kind) {
    return switch (kind) {
      case DEPLOYMENT -> Deployment.class;
      case STATEFUL_SET -> StatefulSet.class;
      case DAEMON_SET -> DaemonSet.class;
      case REPLICA_SET -> ReplicaSet.class;
      case JOB -> Job.class;
      case CRON_JOB -> CronJob.class;
      case POD -> Pod.class;
    };
  }

  /** The resource name in URLs and RBAC: {@code deployments}, {@code cronjobs}, ... */
  public static String plural(WorkloadKind kind) {
    return kind.kind().toLowerCase(Locale.ROOT) + "s";
  }

  /** The API group ({@code ""} for core). */
  public static String group(WorkloadKind kind) {
    int slash = kind.apiVersion().indexOf('/');
    return slash < 0 ? "" : kind.apiVersion().substring(0, slash);
  }
}
