package io.pyhygiene.operator.reconciler;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.policy.ActivePolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which Deployments each policy selected at their last audit: the policy-to-Deployment reverse
 * index. A policy event (created, changed, deleted) re-audits what the policy selects now and
 * what it selected before, so a Deployment a policy stops selecting loses pyhygiene's metadata.
 */
public final class SelectionIndex {

  private final PolicyCatalog policies;
  private final ClusterCache cache;
  private final Map<String, Set<ResourceID>> selectedBy = new ConcurrentHashMap<>();

  public SelectionIndex(PolicyCatalog policies, ClusterCache cache) {
    this.policies = policies;
    this.cache = cache;
  }

  /** Records which policies selected the Deployment at this audit. */
  public void record(ResourceID deployment, List<ActivePolicy> selecting) {
    Set<String> names = new HashSet<>();
    selecting.forEach(p -> names.add(p.name()));
    for (String name : names) {
      selectedBy.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).add(deployment);
    }
    selectedBy.forEach((name, ids) -> {
      if (!names.contains(name)) {
        ids.remove(deployment);
      }
    });
    selectedBy.values().removeIf(Set::isEmpty);
  }

  /** The Deployments to re-audit on an event of this policy: selected before, or now. */
  public Set<ResourceID> affectedBy(PythonHygienePolicy policy) {
    Set<ResourceID> out = new HashSet<>(
        selectedBy.getOrDefault(policy.getMetadata().getName(), Set.of()));
    ActivePolicy active = policies.resolve(policy);
    cache.deployments()
        .filter(d -> active.selects(cache.namespaceLabels(d.getMetadata().getNamespace()),
            d.getMetadata().getLabels() == null ? Map.of() : d.getMetadata().getLabels()))
        .map(ResourceID::fromResource).forEach(out::add);
    return out;
  }

  /** Drops a deleted Deployment. */
  public void forget(ResourceID deployment) {
    selectedBy.values().forEach(ids -> ids.remove(deployment));
    selectedBy.values().removeIf(Set::isEmpty);
  }

  /** The Deployments the policy selected at their last audit. */
  Set<ResourceID> selectedBy(String policy) {
    return Set.copyOf(selectedBy.getOrDefault(policy, Set.of()));
  }
}
