package io.pyhygiene.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.workload.WorkloadKind;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which workloads each policy selected at their last audit: the policy-to-workload reverse index. A
 * policy event (created, changed, deleted) re-audits what the policy selects now and what it
 * selected before, so a workload a policy stops selecting loses pyhygiene's metadata.
 */
public final class SelectionIndex {

  private final PolicyCatalog policies;
  private final ClusterCache cache;
  private final Map<String, Set<WorkloadId>> selectedBy = new ConcurrentHashMap<>();

  public SelectionIndex(PolicyCatalog policies, ClusterCache cache) {
    this.policies = policies;
    this.cache = cache;
  }

  /** Records which policies selected the workload at this audit. */
  public void record(WorkloadId workload, List<ActivePolicy> selecting) {
    Set<String> names = new HashSet<>();
    selecting.forEach(p -> names.add(p.name()));
    for (String name : names) {
      selectedBy.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).add(workload);
    }
    selectedBy.forEach(
        (name, ids) -> {
          if (!names.contains(name)) {
            ids.remove(workload);
          }
        });
    selectedBy.values().removeIf(Set::isEmpty);
  }

  /** The workloads of a kind to re-audit on an event of this policy: selected before, or now. */
  public Set<ResourceID> affectedBy(WorkloadKind kind, PythonHygienePolicy policy) {
    Set<ResourceID> out = new HashSet<>();
    selectedBy.getOrDefault(policy.getMetadata().getName(), Set.of()).stream()
        .filter(id -> id.kind() == kind)
        .map(WorkloadId::resourceId)
        .forEach(out::add);
    ActivePolicy active = policies.resolve(policy);
    if (active.resolved().kinds().contains(kind)) {
      cache
          .workloads(kind)
          .filter(
              d ->
                  active.selects(
                      cache.namespaceLabels(d.getMetadata().getNamespace()),
                      d.getMetadata().getLabels() == null ? Map.of() : d.getMetadata().getLabels()))
          .map(ResourceID::fromResource)
          .forEach(out::add);
    }
    return out;
  }

  /** Drops a deleted workload. */
  public void forget(WorkloadId workload) {
    selectedBy.values().forEach(ids -> ids.remove(workload));
    selectedBy.values().removeIf(Set::isEmpty);
  }

  /** The workloads the policy selected at their last audit. */
  Set<WorkloadId> selectedBy(String policy) {
    return Set.copyOf(selectedBy.getOrDefault(policy, Set.of()));
  }
}
