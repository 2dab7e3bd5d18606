package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The Deployment reconciler's informer caches (its Deployments and the Namespaces), for the
 * classes around it: policy selection, the selection index, initial sync, housekeeping, rollout
 * slots. JOSDK builds the caches when it starts the reconciler; until then this answers as an
 * empty cluster in which nothing is known to be gone.
 */
public final class ClusterCache {

  private volatile IndexerResourceCache<Deployment> deployments;
  private volatile InformerEventSource<Namespace, Deployment> namespaces;

  /** Called by the reconciler once JOSDK has built its caches. */
  void attach(IndexerResourceCache<Deployment> deployments,
      InformerEventSource<Namespace, Deployment> namespaces) {
    this.deployments = deployments;
    this.namespaces = namespaces;
  }

  /** Every cached Deployment. */
  public Stream<Deployment> deployments() {
    IndexerResourceCache<Deployment> cache = deployments;
    return cache == null ? Stream.empty() : cache.list();
  }

  /** The cached Deployments of one namespace. */
  public Stream<Deployment> deploymentsIn(String namespace) {
    IndexerResourceCache<Deployment> cache = deployments;
    return cache == null ? Stream.empty() : cache.list(namespace);
  }

  /** Whether the Deployment is cached; true before the cache exists (nothing is known gone). */
  public boolean exists(String namespace, String name) {
    IndexerResourceCache<Deployment> cache = deployments;
    return cache == null || cache.get(new ResourceID(name, namespace)).isPresent();
  }

  /** A namespace's labels (empty when unknown). */
  public Map<String, String> namespaceLabels(String namespace) {
    InformerEventSource<Namespace, Deployment> ns = namespaces;
    if (ns == null || namespace == null) {
      return Map.of();
    }
    return ns.get(new ResourceID(namespace)).map(n -> n.getMetadata().getLabels())
        .filter(Objects::nonNull).orElse(Map.of());
  }

  /** Whether the Deployment informers have listed everything (an empty cache may not have). */
  public boolean synced() {
    IndexerResourceCache<Deployment> cache = deployments;
    if (cache == null) {
      return false;
    }
    if (!(cache instanceof InformerWrappingEventSourceHealthIndicator<?> informers)) {
      return true;
    }
    Map<String, InformerHealthIndicator> each = informers.informerHealthIndicators();
    return !each.isEmpty() && each.values().stream().allMatch(InformerHealthIndicator::hasSynced);
  }
}
