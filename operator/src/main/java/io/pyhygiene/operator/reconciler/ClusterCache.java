package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.workload.Ownership;
import io.pyhygiene.workload.WorkloadKind;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The workload reconcilers' informer caches (one per kind) and the Namespaces' labels, for the
 * classes around them: policy selection, the selection index, initial sync, housekeeping, the owner
 * of a Pod, rollout slots. JOSDK builds the caches when it starts each reconciler; until then this
 * answers as an empty cluster in which nothing is known to be gone.
 *
 * <p>A kind's cache holds every object of the kind, also those audited through their owner (a
 * Deployment's ReplicaSets, a CronJob's Jobs): a Pod's owner chain is followed through them. {@link
 * #workloads} and {@link #exists} count only the ones audited on their own.
 */
public final class ClusterCache {

  private final Set<WorkloadKind> kinds;
  private final Map<WorkloadKind, IndexerResourceCache<? extends HasMetadata>> caches =
      new ConcurrentHashMap<>();
  private final Function<String, Map<String, String>> namespaceLabels;

  /**
   * @param kinds the kinds that have a reconciler (synced only once each has a cache)
   * @param namespaceLabels a namespace's labels by its name (empty when unknown)
   */
  public ClusterCache(
      Set<WorkloadKind> kinds, Function<String, Map<String, String>> namespaceLabels) {
    this.kinds = Set.copyOf(kinds);
    this.namespaceLabels = namespaceLabels;
  }

  /**
   * Called by a reconciler when JOSDK registers it: the cache is used from when JOSDK starts it
   * (with the operator), after the shared watches have listed (their start-up events find it not
   * started yet, and the reconcilers' first pass covers what they would have queued).
   */
  void attach(WorkloadKind kind, IndexerResourceCache<? extends HasMetadata> cache) {
    caches.put(kind, cache);
  }

  /** A kind's cache once started; null before. */
  private IndexerResourceCache<? extends HasMetadata> cache(WorkloadKind kind) {
    IndexerResourceCache<? extends HasMetadata> cache = caches.get(kind);
    return cache instanceof AbstractEventSource<?, ?> source && !source.isRunning() ? null : cache;
  }

  /** The cached workloads of a kind audited on their own (not through their owner). */
  public Stream<? extends HasMetadata> workloads(WorkloadKind kind) {
    IndexerResourceCache<? extends HasMetadata> cache = cache(kind);
    return cache == null
        ? Stream.empty()
        : cache.list().filter(o -> !Ownership.auditedThroughOwner(o));
  }

  /** The cached workloads of a kind in one namespace, audited on their own. */
  public Stream<? extends HasMetadata> workloadsIn(WorkloadKind kind, String namespace) {
    IndexerResourceCache<? extends HasMetadata> cache = cache(kind);
    return cache == null
        ? Stream.empty()
        : cache.list(namespace).filter(o -> !Ownership.auditedThroughOwner(o));
  }

  /**
   * Every cached workload whose template change rolls out (Deployments, StatefulSets, DaemonSets):
   * the rollouts remediation counts.
   */
  public Stream<HasMetadata> rollingWorkloads() {
    return Arrays.stream(WorkloadKind.values())
        .filter(WorkloadKind::rollsOut)
        .flatMap(k -> workloads(k).map(HasMetadata.class::cast));
  }

  /** Any cached object of the kind, also one audited through its owner. */
  public Optional<? extends HasMetadata> find(WorkloadKind kind, String namespace, String name) {
    IndexerResourceCache<? extends HasMetadata> cache = cache(kind);
    return cache == null ? Optional.empty() : cache.get(new ResourceID(name, namespace));
  }

  /**
   * Whether the workload is cached and audited on its own; true before its cache exists (nothing is
   * known gone).
   */
  public boolean exists(WorkloadId id) {
    IndexerResourceCache<? extends HasMetadata> cache = cache(id.kind());
    return cache == null
        || cache.get(id.resourceId()).filter(o -> !Ownership.auditedThroughOwner(o)).isPresent();
  }

  /** A namespace's labels (empty when unknown). */
  public Map<String, String> namespaceLabels(String namespace) {
    return namespace == null ? Map.of() : namespaceLabels.apply(namespace);
  }

  /** Whether every kind's informers have listed everything (an empty cache may not have). */
  public boolean synced() {
    return kinds.stream().allMatch(k -> synced(cache(k)));
  }

  private static boolean synced(IndexerResourceCache<? extends HasMetadata> cache) {
    if (cache == null) {
      return false;
    }
    if (!(cache instanceof InformerWrappingEventSourceHealthIndicator<?> informers)) {
      return true;
    }
    Map<String, InformerHealthIndicator> each = informers.informerHealthIndicators();
    return !each.isEmpty() && each.values().stream().allMatch(InformerHealthIndicator::hasSynced);
  }

  /** The kinds with a reconciler. */
  public Set<WorkloadKind> kinds() {
    return kinds;
  }
}
