package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds whose pod template pyhygiene audits, and what each does with its pods at runtime:
 * whether a pod is long-running (replaced by rollouts, drained behind Services) or runs to
 * completion (a Job's pod, still sent SIGTERM on deletion, node drain and {@code
 * activeDeadlineSeconds}, but never rolled or routed to).
 */
public enum WorkloadKind {
  DEPLOYMENT("apps/v1", "Deployment", true),
  STATEFUL_SET("apps/v1", "StatefulSet", true),
  DAEMON_SET("apps/v1", "DaemonSet", true),
  REPLICA_SET("apps/v1", "ReplicaSet", true),
  JOB("batch/v1", "Job", false),
  CRON_JOB("batch/v1", "CronJob", false),
  /** A bare Pod: long-running unless its restartPolicy says it runs to completion. */
  POD("v1", "Pod", true);

  private final String apiVersion;
  private final String kind;
  private final boolean longRunning;

  WorkloadKind(String apiVersion, String kind, boolean longRunning) {
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.longRunning = longRunning;
  }

  public String apiVersion() {
    return apiVersion;
  }

  /** The Kubernetes kind, as written in manifests. */
  public String kind() {
    return kind;
  }

  /** Whether its pods run until replaced (as opposed to running to completion). */
  public boolean longRunning() {
    return longRunning;
  }

  /**
   * Whether remediation may patch the pod template with server-side apply: the controller rolls the
   * change out (Deployment, StatefulSet, DaemonSet) or uses it for the next run (CronJob). A Job's
   * template is immutable, a bare Pod's spec cannot be changed, and a ReplicaSet does not replace
   * the pods it runs.
   */
  public boolean remediable() {
    return this == DEPLOYMENT || this == STATEFUL_SET || this == DAEMON_SET || this == CRON_JOB;
  }

  /** Whether a template change replaces running pods (a rollout), as opposed to the next run. */
  public boolean rollsOut() {
    return this == DEPLOYMENT || this == STATEFUL_SET || this == DAEMON_SET;
  }

  /** The audited kind of a fabric8 object (list items carry no kind: the class says it). */
  public static Optional<WorkloadKind> of(HasMetadata o) {
    return of(HasMetadata.getKind(o.getClass()));
  }

  /** The kind of a manifest's {@code kind} field (any apiVersion of the group), if audited. */
  public static Optional<WorkloadKind> of(String kind) {
    return Arrays.stream(values()).filter(k -> k.kind.equals(kind)).findFirst();
  }
}
