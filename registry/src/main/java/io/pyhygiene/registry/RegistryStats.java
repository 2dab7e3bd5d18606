package io.pyhygiene.registry;

import io.pyhygiene.registry.Resolution.Reason;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link RegistryListener} that counts per registry host: enough for the CLI's summary, for
 * tests, and as the shape of the operator's metrics. Hosts past {@code maxHosts} are counted under
 * {@code other}, so the label set stays bounded whatever images pods name.
 */
public final class RegistryStats implements RegistryListener {

  public static final String OTHER = "other";

  /** Counts for one host. */
  public record Counts(long hits, long misses, long resolved, Map<Reason, Long> failures) {}

  private final int maxHosts;
  private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();

  public RegistryStats(int maxHosts) {
    this.maxHosts = maxHosts;
  }

  private static final class Host {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder resolved = new LongAdder();
    final ConcurrentHashMap<Reason, LongAdder> failures = new ConcurrentHashMap<>();
  }

  private Host host(String registry) {
    Host h = hosts.get(registry);
    if (h != null) {
      return h;
    }
    String key = hosts.size() >= maxHosts ? OTHER : registry;
    return hosts.computeIfAbsent(key, k -> new Host());
  }

  @Override
  public void cacheHit(String registry) {
    host(registry).hits.increment();
  }

  @Override
  public void cacheMiss(String registry) {
    host(registry).misses.increment();
  }

  @Override
  public void resolved(String registry, Duration took) {
    host(registry).resolved.increment();
  }

  @Override
  public void failed(String registry, Reason reason) {
    host(registry).failures.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** A snapshot, hosts sorted. */
  public Map<String, Counts> snapshot() {
    Map<String, Counts> out = new TreeMap<>();
    hosts.forEach(
        (name, h) -> {
          Map<Reason, Long> failures = new TreeMap<>();
          h.failures.forEach((r, n) -> failures.put(r, n.sum()));
          out.put(
              name,
              new Counts(h.hits.sum(), h.misses.sum(), h.resolved.sum(), Map.copyOf(failures)));
        });
    return out;
  }

  public Counts counts(String registry) {
    return snapshot().getOrDefault(registry, new Counts(0, 0, 0, Map.of()));
  }
}
