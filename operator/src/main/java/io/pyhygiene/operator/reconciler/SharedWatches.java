package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.memory.StringPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One informer each for the policies, the Namespaces and the Pods (one per watched namespace when
 * the operator watches a list of them), shared by every kind's reconciler and by the webhook.
 *
 * <p>Why shared: each informer is a watch and, while the API server is away, a reconnect loop of
 * its own. One set per kind made 7 policy, 7 Namespace and 5 Pod informers; with the server down
 * they made 25-29 connection attempts a second between them (issue 14's fault suite). Each kind
 * gets inbound event sources instead, fed from these informers through the kind's own mapping.
 *
 * <p>Started (and listed) by {@link #run} before the reconcilers start, so no workload is audited
 * before the policies and Namespaces are known.
 */
public final class SharedWatches implements AutoCloseable {

  /**
   * Objects per page when an informer lists (client-go's pager uses the same). Unpaged, listing
   * 10,000 Deployments and their ReplicaSets held every one whole at once, before the caches prune
   * them: with the heap at 192 MiB the operator ran out of memory starting (docs/benchmarks.md).
   */
  public static final long LIST_LIMIT = 500;

  private final SharedIndexInformer<PythonHygienePolicy> policies;
  private final SharedIndexInformer<Namespace> namespaces;
  private final List<SharedIndexInformer<Pod>> pods = new ArrayList<>();

  /**
   * @param watchNamespaces the namespaces whose Pods are watched; empty: every namespace
   * @param strings what the Pod cache shares its strings through
   */
  public SharedWatches(KubernetesClient client, Set<String> watchNamespaces, StringPool strings) {
    this.policies =
        client.resources(PythonHygienePolicy.class).withLimit(LIST_LIMIT).runnableInformer(0);
    this.namespaces = client.namespaces().withLimit(LIST_LIMIT).runnableInformer(0);
    if (watchNamespaces.isEmpty()) {
      pods.add(client.pods().inAnyNamespace().withLimit(LIST_LIMIT).runnableInformer(0));
    } else {
      watchNamespaces.stream()
          .sorted()
          .forEach(
              ns ->
                  pods.add(
                      client.pods().inNamespace(ns).withLimit(LIST_LIMIT).runnableInformer(0)));
    }
    // A Pod's evidence is read from the watch event, not from the cache: the cache keeps only
    // what ties a Pod to its workload.
    pods.forEach(i -> i.itemStore(new PruningItemStore<>(Pruning::pod, strings)));
  }

  /** Starts every informer and waits until each has listed. */
  public void run() {
    policies.run();
    namespaces.run();
    pods.forEach(SharedIndexInformer::run);
  }

  /** Whether every informer still runs (false once one has given up: /healthz then fails). */
  public boolean running() {
    return policies.isRunning()
        && namespaces.isRunning()
        && pods.stream().allMatch(SharedIndexInformer::isRunning);
  }

  /** Whether every informer has listed once. */
  public boolean synced() {
    return policies.hasSynced()
        && namespaces.hasSynced()
        && pods.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  /** The cached policies. */
  public Stream<PythonHygienePolicy> policies() {
    return policies.getStore().list().stream();
  }

  /** A namespace's labels (empty when unknown). */
  public Map<String, String> namespaceLabels(String namespace) {
    Namespace n = namespace == null ? null : namespaces.getStore().getByKey(namespace);
    return n == null || n.getMetadata().getLabels() == null
        ? Map.of()
        : n.getMetadata().getLabels();
  }

  /** An event source re-queuing the kind's workloads a policy change affects ({@code affected}). */
  public <T extends HasMetadata> SimpleInboundEventSource<T> policyEvents(
      Function<PythonHygienePolicy, Set<ResourceID>> affected) {
    SimpleInboundEventSource<T> source = new SimpleInboundEventSource<>("policies");
    policies.addEventHandler(handler(affected, (p, old) -> true, source));
    return source;
  }

  /**
   * An event source re-queuing the workloads of a Namespace ({@code workloadsIn}) that appears,
   * goes, or changes its labels (policies select by them).
   */
  public <T extends HasMetadata> SimpleInboundEventSource<T> namespaceEvents(
      Function<Namespace, Set<ResourceID>> workloadsIn) {
    SimpleInboundEventSource<T> source = new SimpleInboundEventSource<>("namespaces");
    namespaces.addEventHandler(
        handler(
            workloadsIn,
            (n, old) -> !Objects.equals(n.getMetadata().getLabels(), old.getMetadata().getLabels()),
            source));
    return source;
  }

  /**
   * An event source re-queuing the workload whose evidence a Pod carries: {@code record} records
   * the Pod's terminations and answers the workloads they belong to. Only Pods carrying {@code
   * label} (the kind's pods carry it) are passed on.
   */
  public <T extends HasMetadata> SimpleInboundEventSource<T> podEvents(
      String label, Function<Pod, Set<ResourceID>> record) {
    SimpleInboundEventSource<T> source = new SimpleInboundEventSource<>("pods");
    Function<Pod, Set<ResourceID>> labelled =
        p ->
            p.getMetadata().getLabels() != null && p.getMetadata().getLabels().containsKey(label)
                ? record.apply(p)
                : Set.of();
    pods.forEach(i -> i.addEventHandler(handler(labelled, (p, old) -> true, source)));
    return source;
  }

  private static <R> ResourceEventHandler<R> handler(
      Function<R, Set<ResourceID>> map,
      BiPredicate<R, R> updateMatters,
      SimpleInboundEventSource<?> source) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(R obj) {
        map.apply(obj).forEach(source::propagateEvent);
      }

      @Override
      public void onUpdate(R old, R obj) {
        if (updateMatters.test(obj, old)) {
          map.apply(obj).forEach(source::propagateEvent);
        }
      }

      @Override
      public void onDelete(R obj, boolean deletedFinalStateUnknown) {
        map.apply(obj).forEach(source::propagateEvent);
      }
    };
  }

  @Override
  public void close() {
    policies.close();
    namespaces.close();
    pods.forEach(SharedIndexInformer::close);
  }
}
