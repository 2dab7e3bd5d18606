package io.pyhygiene.operator.images;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pyhygiene.registry.ImageRef;
import io.pyhygiene.registry.ReferenceNormaliser;
import io.pyhygiene.registry.RegistryListener;
import io.pyhygiene.registry.Resolution.Reason;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resolver's events as Micrometer meters, labelled by registry host. Hosts come from pod specs,
 * so at most {@link #MAX_HOSTS} distinct hosts get a label of their own; later ones are counted as
 * {@code other}. The reason label is a closed set ({@link Reason}).
 */
public final class ImageMetrics implements RegistryListener {

  static final int MAX_HOSTS = 32;
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final Set<String> hosts = ConcurrentHashMap.newKeySet();

  public ImageMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The host's label: itself while fewer than {@link #MAX_HOSTS} are known, else {@code other}. */
  String label(String host) {
    String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
    if (hosts.contains(h)) {
      return h;
    }
    synchronized (hosts) {
      if (hosts.size() < MAX_HOSTS) {
        hosts.add(h);
        return h;
      }
    }
    return OTHER;
  }

  @Override
  public void cacheHit(String registryHost) {
    Counter.builder("pyhygiene.image.cache.hits")
        .description("Image-config look-ups answered from the cache, by registry")
        .tag("registry", label(registryHost))
        .register(registry)
        .increment();
  }

  @Override
  public void cacheMiss(String registryHost) {
    Counter.builder("pyhygiene.image.cache.misses")
        .description("Image-config look-ups that needed the registry, by registry")
        .tag("registry", label(registryHost))
        .register(registry)
        .increment();
  }

  @Override
  public void resolved(String registryHost, Duration took) {
    String host = label(registryHost);
    Counter.builder("pyhygiene.image.resolutions")
        .description("Image-config resolutions against a registry, by registry and result")
        .tags("registry", host, "result", "resolved")
        .register(registry)
        .increment();
    Timer.builder("pyhygiene.image.resolution.duration")
        .description("Time of successful image-config resolutions against a registry")
        .tag("registry", host)
        .register(registry)
        .record(took);
  }

  @Override
  public void failed(String registryHost, Reason reason) {
    String host = label(registryHost);
    String why = reason.name().toLowerCase(Locale.ROOT);
    Counter.builder("pyhygiene.image.resolutions")
        .description("Image-config resolutions against a registry, by registry and result")
        .tags("registry", host, "result", "failed")
        .register(registry)
        .increment();
    Counter.builder("pyhygiene.image.resolution.failures")
        .description("Failed image-config resolutions, by registry and reason")
        .tags("registry", host, "reason", why)
        .register(registry)
        .increment();
  }

  @Override
  public void tagMoved(String reference, String previousDigest, String digest) {
    String host;
    try {
      ImageRef ref = ReferenceNormaliser.normalise(reference);
      host = ref.registry();
    } catch (ReferenceNormaliser.InvalidReferenceException e) {
      host = OTHER;
    }
    Counter.builder("pyhygiene.image.tag.moves")
        .description("Tags found pointing to a new digest (each re-audits its workloads)")
        .tag("registry", label(host))
        .register(registry)
        .increment();
  }
}
