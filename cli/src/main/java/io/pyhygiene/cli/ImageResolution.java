package io.pyhygiene.cli;

import io.pyhygiene.registry.CredentialSource;
import io.pyhygiene.registry.ImageConfig;
import io.pyhygiene.registry.RegistryResolver;
import io.pyhygiene.registry.Resolution;
import io.pyhygiene.registry.ResolveRequest;
import io.pyhygiene.registry.ResolverOptions;
import io.pyhygiene.workload.ImageFacts;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * {@code audit --resolve-images}: reads the config of each distinct image once, through the
 * registry module, and hands the engine what it needs as {@link ImageFacts}. A registry that fails
 * degrades the image to {@link ImageFacts#unresolved} with a reason that names no credential;
 * nothing here throws for a registry's sake.
 */
public final class ImageResolution implements AutoCloseable {

  /**
   * Resolutions in flight at once, well under the resolver's queue (256): its own per-registry
   * limits and worker threads decide how many requests really run.
   */
  static final int IN_FLIGHT = 32;

  private final RegistryResolver resolver;

  public ImageResolution(ResolverOptions options, CredentialSource credentials) {
    this.resolver = new RegistryResolver(options, credentials, null);
  }

  /** The CLI's resolver settings: the registry module's defaults, a few more worker threads. */
  public static ResolverOptions options(
      io.pyhygiene.registry.Platform platform, Set<String> insecureRegistries) {
    return ResolverOptions.defaults()
        .withPlatform(platform)
        .withInsecureRegistries(insecureRegistries)
        .withExecutor(8, 256);
  }

  /**
   * Resolves every distinct, non-blank reference once, at most {@link #IN_FLIGHT} at a time.
   *
   * @param images references as written in pod specs (duplicates welcome)
   * @param progress told {@code done/total} as answers come in
   * @return facts by reference as written, for {@code WorkloadContext.images}
   */
  public Map<String, ImageFacts> resolveAll(Collection<String> images, Consumer<String> progress) {
    Set<String> distinct = new LinkedHashSet<>();
    for (String image : images) {
      if (image != null && !image.isBlank()) {
        distinct.add(image);
      }
    }
    Map<String, ImageFacts> out = new ConcurrentHashMap<>();
    Semaphore slots = new Semaphore(IN_FLIGHT);
    AtomicInteger done = new AtomicInteger();
    int total = distinct.size();
    CompletableFuture<?>[] all = new CompletableFuture<?>[total];
    int i = 0;
    for (String image : distinct) {
      slots.acquireUninterruptibly();
      all[i++] =
          resolver
              .resolveAsync(ResolveRequest.of(image))
              .whenComplete(
                  (r, e) -> {
                    out.put(
                        image,
                        e != null
                            ? ImageFacts.unresolved(
                                "resolver failed: " + e.getClass().getSimpleName())
                            : facts(image, r));
                    slots.release();
                    progress.accept("resolving images: " + done.incrementAndGet() + "/" + total);
                  });
    }
    CompletableFuture.allOf(all).join();
    Map<String, ImageFacts> ordered = new LinkedHashMap<>();
    distinct.forEach(image -> ordered.put(image, out.get(image)));
    return ordered;
  }

  /** The registry module's answer as the engine's facts. */
  static ImageFacts facts(String image, Resolution resolution) {
    if (resolution instanceof Resolution.Resolved r) {
      ImageConfig c = r.config();
      return ImageFacts.resolved(
          new ImageFacts.Config(
              c.digest(),
              c.entrypoint(),
              c.cmd(),
              c.user(),
              c.env(),
              c.stopSignal(),
              c.workingDir()));
    }
    Resolution.Unresolved u = (Resolution.Unresolved) resolution;
    return ImageFacts.unresolved(reason(image, u));
  }

  /** The registry module's one-line detail without the reference it starts with. */
  static String reason(String image, Resolution.Unresolved u) {
    return u.reasonFor(image);
  }

  @Override
  public void close() {
    resolver.close();
  }
}
