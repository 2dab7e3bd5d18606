package io.pyhygiene.operator.audit;

import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.policy.PolicyResolver;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The policies in the cluster, read from an informer cache and resolved once per spec generation.
 * The reconciler and the webhook each keep one (the webhook's own informer serves every replica,
 * leader or not).
 */
public final class PolicyCatalog {

  private final PolicyResolver resolver;
  private volatile Supplier<Stream<PythonHygienePolicy>> source = Stream::empty;
  private final Map<String, ActivePolicy> resolved = new ConcurrentHashMap<>();

  public PolicyCatalog(PolicyResolver resolver) {
    this.resolver = resolver;
  }

  /** Points the catalogue at an informer's cache. */
  public void attach(Supplier<Stream<PythonHygienePolicy>> cache) {
    this.source = cache;
  }

  /** Every policy, sorted by name. */
  public List<PythonHygienePolicy> policies() {
    return source.get().sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
  }

  /** Every policy, resolved, sorted by name. */
  public List<ActivePolicy> active() {
    return policies().stream().map(this::resolve).toList();
  }

  /** The policy resolved (defaults merged, validated), cached per uid and generation. */
  public ActivePolicy resolve(PythonHygienePolicy p) {
    String key = p.getMetadata().getUid() + "@" + p.getMetadata().getGeneration();
    ActivePolicy a = resolved.get(key);
    if (a == null) {
      a = ActivePolicy.of(p, resolver);
      resolved.put(key, a);
      // drop resolutions of older generations of the same policy
      resolved
          .keySet()
          .removeIf(k -> k.startsWith(p.getMetadata().getUid() + "@") && !k.equals(key));
    }
    return a;
  }
}
