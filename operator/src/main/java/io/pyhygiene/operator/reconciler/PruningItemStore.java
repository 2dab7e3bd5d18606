package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.pyhygiene.operator.memory.StringPool;
import java.util.function.UnaryOperator;

/**
 * An informer store that keeps only what pyhygiene reads: most of a Deployment's or a Pod's size is
 * managedFields, kubectl's last-applied copy and (for pods) the spec, none of which the engine
 * needs. What is kept shares one empty map for the model's empty extension maps and one instance of
 * each string with every other cached object ({@link SharedValues}). Keeps the cache small enough
 * for tens of thousands of Deployments.
 */
public final class PruningItemStore<T extends HasMetadata> extends BasicItemStore<T> {

  private final UnaryOperator<T> prune;
  private final StringPool strings;

  public PruningItemStore(UnaryOperator<T> prune, StringPool strings) {
    super(Cache::metaNamespaceKeyFunc);
    this.prune = prune;
    this.strings = strings;
  }

  @Override
  public T put(String key, T obj) {
    return super.put(key, SharedValues.in(prune.apply(obj), strings));
  }
}
