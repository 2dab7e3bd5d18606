package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.pyhygiene.operator.evidence.PodTerminations;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.workload.Ownership;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the informer caches keep of each object. */
public final class Pruning {

  private Pruning() {}

  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  /**
   * Drops kubectl's last-applied copy and the field sets of every managedFields entry except
   * pyhygiene's own apply (needed to re-apply what pyhygiene owns, see {@link WorkloadWriter}).
   * Other managers keep a skeleton entry (manager, operation, subresource): remediation decides
   * from it whether a conflicting owner only ever wrote with plain updates.
   */
  public static <T extends HasMetadata> T workload(T d) {
    ObjectMeta m = d.getMetadata();
    if (m.getManagedFields() != null) {
      List<ManagedFieldsEntry> kept = new ArrayList<>();
      for (ManagedFieldsEntry e : m.getManagedFields()) {
        if (WorkloadWriter.FIELD_MANAGER.equals(e.getManager())
            && "Apply".equals(e.getOperation())
            && e.getSubresource() == null) {
          kept.add(e);
        } else {
          ManagedFieldsEntry skeleton = new ManagedFieldsEntry();
          skeleton.setManager(e.getManager());
          skeleton.setOperation(e.getOperation());
          skeleton.setSubresource(e.getSubresource());
          kept.add(skeleton);
        }
      }
      m.setManagedFields(kept.isEmpty() ? null : kept);
    }
    if (m.getAnnotations() != null && m.getAnnotations().containsKey(LAST_APPLIED)) {
      Map<String, String> a = new HashMap<>(m.getAnnotations());
      a.remove(LAST_APPLIED);
      m.setAnnotations(a);
    }
    return d;
  }

  /**
   * An object in a workload reconciler's own cache. The informers list every object of the kind,
   * but one a controller owns (a Deployment's ReplicaSets, a CronJob's Jobs, a controller's Pods)
   * is audited through its owner and never reconciled: only what decides that (identity, labels,
   * owners) is kept, and of an owned Pod its evidence ({@link #pod}). An object audited itself
   * keeps what {@link #workload} keeps.
   */
  public static <T extends HasMetadata> T primary(T o) {
    if (!Ownership.auditedThroughOwner(o)) {
      return workload(o);
    }
    if (o instanceof Pod p) {
      @SuppressWarnings("unchecked")
      T pruned = (T) pod(p);
      return pruned;
    }
    ObjectMeta m = o.getMetadata();
    m.setManagedFields(null);
    m.setAnnotations(null);
    m.setFinalizers(null);
    if (o instanceof ReplicaSet rs) {
      rs.setSpec(null);
      rs.setStatus(null);
    } else if (o instanceof Job j) {
      j.setSpec(null);
      j.setStatus(null);
    }
    return o;
  }

  /** Keeps a pod's identity, owner, deletion mark and container terminations; drops the rest. */
  public static Pod pod(Pod p) {
    ObjectMeta in = p.getMetadata();
    ObjectMeta out = new ObjectMeta();
    out.setName(in.getName());
    out.setNamespace(in.getNamespace());
    out.setUid(in.getUid());
    out.setResourceVersion(in.getResourceVersion());
    out.setDeletionTimestamp(in.getDeletionTimestamp());
    out.setOwnerReferences(in.getOwnerReferences());
    if (in.getLabels() != null) {
      Map<String, String> kept = new HashMap<>();
      for (String label :
          List.of(
              PodTerminations.TEMPLATE_HASH_LABEL,
              PodTerminations.REVISION_HASH_LABEL,
              PodTerminations.JOB_NAME_LABEL)) {
        if (in.getLabels().containsKey(label)) {
          kept.put(label, in.getLabels().get(label));
        }
      }
      out.setLabels(kept.isEmpty() ? null : Map.copyOf(kept));
    }
    Pod pruned = new Pod();
    pruned.setApiVersion(p.getApiVersion());
    pruned.setKind(p.getKind());
    pruned.setMetadata(out);
    if (p.getStatus() != null && p.getStatus().getContainerStatuses() != null) {
      List<ContainerStatus> statuses = new ArrayList<>();
      for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
        ContainerStatus s = new ContainerStatus();
        s.setName(cs.getName());
        s.setRestartCount(cs.getRestartCount());
        s.setState(terminatedOnly(cs.getState()));
        s.setLastState(terminatedOnly(cs.getLastState()));
        statuses.add(s);
      }
      PodStatus status = new PodStatus();
      status.setContainerStatuses(statuses);
      pruned.setStatus(status);
    }
    return pruned;
  }

  private static ContainerState terminatedOnly(ContainerState s) {
    if (s == null || s.getTerminated() == null) {
      return null;
    }
    ContainerState out = new ContainerState();
    out.setTerminated(s.getTerminated());
    return out;
  }
}
