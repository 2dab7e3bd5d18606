package io.pyhygiene.workload;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * Which object is audited for which: a ReplicaSet a Deployment controls, a Job a CronJob controls,
 * and a Pod any controller controls are audited through their owner, and a Pod's runtime evidence
 * belongs to the audited workload at the top of its controller chain (Pod to ReplicaSet to
 * Deployment, Pod to Job to CronJob, Pod to StatefulSet or DaemonSet; a Pod no controller owns is
 * its own workload). Shared by the CLI's cluster scan and the operator; the caller says how an
 * owner is found (a scan's lists, an informer cache).
 */
public final class Ownership {

  /** Label the Deployment controller puts on its ReplicaSets' pods. */
  public static final String TEMPLATE_HASH_LABEL = "pod-template-hash";

  private Ownership() {}

  /**
   * A workload by kind, namespace and name.
   *
   * @param kind the Kubernetes kind ({@code Deployment}, {@code Pod}, ...)
   * @param namespace its namespace ({@code ""} when none)
   * @param name its name
   */
  public record Ref(String kind, String namespace, String name) {
    /**
     * The reference of an object; list items carry no kind on the wire, the model class says it.
     */
    public static Ref of(HasMetadata o) {
      return new Ref(
          HasMetadata.getKind(o.getClass()), Ownership.namespace(o), o.getMetadata().getName());
    }
  }

  /**
   * Whether the object is audited through its owner: a ReplicaSet or Pod with a controller, a Job a
   * CronJob controls. A Job of any other controller is audited as itself.
   */
  public static boolean auditedThroughOwner(HasMetadata o) {
    if (!(o instanceof ReplicaSet) && !(o instanceof Pod) && !(o instanceof Job)) {
      return false;
    }
    return controller(o)
        .filter(r -> !(o instanceof Job) || "CronJob".equals(r.getKind()))
        .isPresent();
  }

  /** The object's controller reference (the owner reference marked {@code controller}). */
  public static Optional<OwnerReference> controller(HasMetadata o) {
    List<OwnerReference> refs =
        o.getMetadata() == null ? null : o.getMetadata().getOwnerReferences();
    return refs == null
        ? Optional.empty()
        : refs.stream()
            .filter(
                r ->
                    r != null
                        && Boolean.TRUE.equals(r.getController())
                        && r.getKind() != null
                        && r.getName() != null)
            .findFirst();
  }

  /**
   * The audited workload the Pod's evidence belongs to; empty when that is not an audited workload
   * (another controller's Pod, or a kind the caller cannot see).
   *
   * @param pod the Pod
   * @param find the owner a reference names in a namespace (ReplicaSets and Jobs are asked for)
   * @param audited whether a workload is audited
   */
  public static Optional<Ref> owner(
      Pod pod,
      BiFunction<String, OwnerReference, Optional<? extends HasMetadata>> find,
      Predicate<Ref> audited) {
    String ns = namespace(pod);
    Optional<OwnerReference> controller = controller(pod);
    if (controller.isEmpty()) {
      return present(new Ref("Pod", ns, pod.getMetadata().getName()), audited);
    }
    OwnerReference ref = controller.get();
    if (!"ReplicaSet".equals(ref.getKind()) && !"Job".equals(ref.getKind())) {
      return present(new Ref(ref.getKind(), ns, ref.getName()), audited);
    }
    Optional<? extends HasMetadata> owner = find.apply(ns, ref);
    if (owner.isPresent()) {
      Optional<OwnerReference> up = controller(owner.get());
      return up.isEmpty()
          ? present(Ref.of(owner.get()), audited)
          : present(new Ref(up.get().getKind(), ns, up.get().getName()), audited);
    }
    // The ReplicaSet is not known (not listed, or not cached yet): a Deployment's ReplicaSet
    // is named <deployment>-<pod-template-hash>.
    Optional<Ref> deployment = deploymentOf(pod).flatMap(d -> present(d, audited));
    return deployment.isPresent()
        ? deployment
        : present(new Ref(ref.getKind(), ns, ref.getName()), audited);
  }

  /**
   * The Deployment a Pod's ReplicaSet name and template-hash label point to, if any: the ReplicaSet
   * controller names a Deployment's ReplicaSets {@code <deployment>-<hash>}.
   */
  public static Optional<Ref> deploymentOf(Pod pod) {
    String hash =
        pod.getMetadata().getLabels() == null
            ? null
            : pod.getMetadata().getLabels().get(TEMPLATE_HASH_LABEL);
    if (hash == null || pod.getMetadata().getOwnerReferences() == null) {
      return Optional.empty();
    }
    String suffix = "-" + hash;
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(
            r ->
                r != null
                    && "ReplicaSet".equals(r.getKind())
                    && r.getName() != null
                    && r.getName().endsWith(suffix)
                    && r.getName().length() > suffix.length())
        .findFirst()
        .map(
            r ->
                new Ref(
                    "Deployment",
                    namespace(pod),
                    r.getName().substring(0, r.getName().length() - suffix.length())));
  }

  private static Optional<Ref> present(Ref ref, Predicate<Ref> audited) {
    return audited.test(ref) ? Optional.of(ref) : Optional.empty();
  }

  /** The object's namespace, {@code ""} when none. */
  public static String namespace(HasMetadata o) {
    String ns = o.getMetadata() == null ? null : o.getMetadata().getNamespace();
    return ns == null ? "" : ns;
  }
}
