package io.pyhygiene.operator.images;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.operator.audit.ImageLookup;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.config.ImageSettings;
import io.pyhygiene.registry.CredentialSource;
import io.pyhygiene.registry.ImageConfig;
import io.pyhygiene.registry.Platform;
import io.pyhygiene.registry.ReferenceNormaliser;
import io.pyhygiene.registry.RegistryListener;
import io.pyhygiene.registry.RegistryResolver;
import io.pyhygiene.registry.Resolution;
import io.pyhygiene.registry.Resolution.Reason;
import io.pyhygiene.registry.ResolveRequest;
import io.pyhygiene.registry.ResolverOptions;
import io.pyhygiene.workload.ImageFacts;
import io.pyhygiene.workload.PodTemplates;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image configs for the operator's audits, never waited for:
 *
 * <ul>
 *   <li>{@link #forReconcile} answers from the resolver's cache and starts a background resolution
 *       for what is missing or past its tag TTL; when that ends with other facts than the audit
 *       used, the workloads naming the image are re-audited ({@link #reaudits()});
 *   <li>tags in use are re-checked every tag TTL; a tag that moved ({@link
 *       RegistryListener#tagMoved}, counted and logged) re-audits the workloads naming it once the
 *       new digest's config is read;
 *   <li>{@link #forAdmission} answers from memory only and starts nothing: the webhook never causes
 *       a registry request.
 * </ul>
 *
 * A registry that is down, slow or refuses degrades the image to {@link ImageFacts#unresolved} (the
 * {@code image-unresolved} finding); credentials are read only when a registry asks for them, and
 * only when {@link ImageSettings#pullSecrets()} is on.
 */
public final class WorkloadImages implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WorkloadImages.class);

  private final RegistryResolver resolver;
  private final PullSecretReader pullSecrets;
  private final Duration tagTtl;
  private final Clock clock;

  /** One event source per kind: each kind's reconciler registers its own. */
  private final ConcurrentHashMap<WorkloadKind, SimpleInboundEventSource<?>> reaudits =
      new ConcurrentHashMap<>();

  /** normalised reference: the workloads naming it, with the request each last used */
  private final ConcurrentHashMap<String, Map<WorkloadId, ResolveRequest>> users =
      new ConcurrentHashMap<>();

  private final ConcurrentHashMap<WorkloadId, Set<String>> imagesOf = new ConcurrentHashMap<>();

  /** normalised reference: the facts the last audit naming it used */
  private final ConcurrentHashMap<String, ImageFacts> used = new ConcurrentHashMap<>();

  private final ScheduledExecutorService refresher;

  /**
   * @param client reads pull Secrets when {@code settings.pullSecrets()}; may be null otherwise
   * @param metrics told of every resolution, cache hit and failure
   */
  public WorkloadImages(
      ImageSettings settings, KubernetesClient client, RegistryListener metrics, Clock clock) {
    this(
        settings,
        settings.pullSecrets() && client != null ? PullSecretReader.of(client) : null,
        metrics,
        clock);
  }

  /**
   * @param pullSecrets where pull Secrets are read from; null: anonymous pulls only
   */
  WorkloadImages(
      ImageSettings settings, PullSecretReader pullSecrets, RegistryListener metrics, Clock clock) {
    this.pullSecrets = pullSecrets;
    this.tagTtl = settings.tagTtl();
    this.clock = clock;
    RegistryListener listener =
        new RegistryListener() {
          @Override
          public void cacheHit(String registry) {
            metrics.cacheHit(registry);
          }

          @Override
          public void cacheMiss(String registry) {
            metrics.cacheMiss(registry);
          }

          @Override
          public void resolved(String registry, Duration took) {
            metrics.resolved(registry, took);
          }

          @Override
          public void failed(String registry, Reason reason) {
            metrics.failed(registry, reason);
          }

          @Override
          public void tagMoved(String reference, String previousDigest, String digest) {
            // Not re-audited here: the resolver calls this before it has read the new digest's
            // config, and an audit now would flap to manifest-only. The resolution's completion
            // (resolveInBackground) re-audits every workload naming the tag once the config is in.
            metrics.tagMoved(reference, previousDigest, digest);
            LOG.info(
                "image tag {} moved from {} to {}; re-auditing its workloads",
                reference,
                previousDigest,
                digest);
          }
        };
    this.resolver = new RegistryResolver(options(settings, clock), CredentialSource.NONE, listener);
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pyhygiene-image-tags");
              t.setDaemon(true);
              return t;
            });
    long period =
        Math.max(1000, Math.min(settings.tagTtl().toMillis(), settings.negativeTtl().toMillis()));
    refresher.scheduleWithFixedDelay(this::refreshTags, period, period, TimeUnit.MILLISECONDS);
  }

  static ResolverOptions options(ImageSettings s, Clock clock) {
    return ResolverOptions.defaults()
        .withInsecureRegistries(s.insecureRegistries())
        .withTimeouts(s.requestTimeout(), s.deadline())
        .withTtls(s.tagTtl(), s.negativeTtl())
        .withCacheBounds(s.cacheEntries(), s.cacheBytes())
        .withRegistryLimits(
            s.concurrencyPerRegistry(),
            s.ratePerRegistry(),
            (int) Math.max(1, Math.ceil(2 * s.ratePerRegistry())))
        .withExecutor(s.threads(), 1024)
        .withClock(clock);
  }

  /**
   * Fires a reconcile of a workload of this kind whose image facts changed; register it with that
   * kind's reconciler.
   */
  @SuppressWarnings("unchecked") // one source per kind, created for that kind's type only
  public <T extends HasMetadata> SimpleInboundEventSource<T> reaudits(WorkloadKind kind) {
    return (SimpleInboundEventSource<T>)
        reaudits.computeIfAbsent(kind, k -> new SimpleInboundEventSource<T>("images"));
  }

  /** The lookup of the reconciler: the cache now, the registry in the background. */
  public ImageLookup reconcileLookup() {
    return this::forReconcile;
  }

  /** The lookup of the admission webhook: the cache only. */
  public ImageLookup admissionLookup() {
    return this::forAdmission;
  }

  Map<String, ImageFacts> forReconcile(HasMetadata d, AuditPolicy.Images images) {
    WorkloadId id = WorkloadId.of(d);
    PodSpec spec = podSpec(d);
    CredentialSource credentials = credentials(d, spec);
    Platform platform = Platform.parse(images.platform());
    Map<String, ImageFacts> out = new LinkedHashMap<>();
    Set<String> keys = ConcurrentHashMap.newKeySet();
    for (String image : images(spec)) {
      ResolveRequest request = new ResolveRequest(image, platform, credentials);
      Resolution now = resolver.cachedOnly(request);
      ImageFacts facts =
          now instanceof Resolution.Unresolved u && u.reason() == Reason.NOT_CACHED
              ? ImageFacts.NOT_REQUESTED // pending: manifest-only until the resolution re-audits
              : facts(image, now);
      out.put(image, facts);
      String key = key(image);
      keys.add(key);
      users.computeIfAbsent(key, k -> new ConcurrentHashMap<>()).put(id, request);
      used.put(key, facts);
      if (stale(now)) {
        resolveInBackground(request, key);
      }
    }
    Set<String> before = imagesOf.put(id, keys);
    if (before != null) {
      before.stream().filter(k -> !keys.contains(k)).forEach(k -> forget(k, id));
    }
    return out;
  }

  Map<String, ImageFacts> forAdmission(HasMetadata d, AuditPolicy.Images images) {
    PodSpec spec = podSpec(d);
    CredentialSource credentials = credentials(d, spec);
    Platform platform = Platform.parse(images.platform());
    Map<String, ImageFacts> out = new LinkedHashMap<>();
    for (String image : images(spec)) {
      Resolution now = resolver.cachedOnly(new ResolveRequest(image, platform, credentials));
      out.put(
          image,
          now instanceof Resolution.Unresolved u && u.reason() == Reason.NOT_CACHED
              ? ImageFacts.unresolved(
                  "not in the operator's image cache yet; admission never waits"
                      + " on a registry, the audit after admission resolves it")
              : facts(image, now));
    }
    return out;
  }

  private CredentialSource credentials(HasMetadata d, PodSpec spec) {
    return pullSecrets == null
        ? CredentialSource.NONE
        : PullSecretSource.of(pullSecrets, d.getMetadata().getNamespace(), spec);
  }

  /** Whether the answer should be (re)fetched: nothing cached, or a tag past its TTL. */
  private boolean stale(Resolution now) {
    if (now instanceof Resolution.Unresolved u) {
      return u.reason() == Reason.NOT_CACHED;
    }
    Resolution.Resolved r = (Resolution.Resolved) now;
    return !clock.instant().isBefore(r.confirmedAt().plus(tagTtl));
  }

  private void resolveInBackground(ResolveRequest request, String key) {
    resolver
        .resolveAsync(request)
        .thenAccept(
            r -> {
              if (!facts(request.image(), r).equals(used.get(key))) {
                reaudit(key);
              }
            });
  }

  /**
   * Re-checks the images in use whose tag TTL or cached failure has expired: a moved tag re-audits
   * through the listener, a registry back up through the changed facts.
   */
  private void refreshTags() {
    try {
      users.forEach(
          (key, byWorkload) ->
              byWorkload.values().stream()
                  .findFirst()
                  .ifPresent(
                      request -> {
                        if (stale(resolver.cachedOnly(request))) {
                          resolveInBackground(request, key);
                        }
                      }));
    } catch (RuntimeException e) {
      LOG.warn("re-checking image tags: {}", e.toString());
    }
  }

  private void reaudit(String key) {
    Map<WorkloadId, ResolveRequest> byWorkload = users.get(key);
    if (byWorkload == null) {
      return;
    }
    for (WorkloadId id : byWorkload.keySet()) {
      try {
        reaudits(id.kind()).propagateEvent(id.resourceId());
      } catch (RuntimeException notStarted) {
        // the reconciler is not running (not the leader, or stopping): its start audits anyway
      }
    }
  }

  /** Drops a deleted workload's uses. */
  public void forget(WorkloadId id) {
    Set<String> keys = imagesOf.remove(id);
    if (keys != null) {
      keys.forEach(k -> forget(k, id));
    }
  }

  private void forget(String key, WorkloadId id) {
    users.computeIfPresent(
        key,
        (k, m) -> {
          m.remove(id);
          if (m.isEmpty()) {
            used.remove(k);
            return null;
          }
          return m;
        });
  }

  private static String key(String image) {
    try {
      return ReferenceNormaliser.normalise(image).toString();
    } catch (ReferenceNormaliser.InvalidReferenceException e) {
      return image;
    }
  }

  private static PodSpec podSpec(HasMetadata workload) {
    return PodTemplates.of(workload).map(PodTemplateSpec::getSpec).orElse(null);
  }

  private static List<String> images(PodSpec spec) {
    if (spec == null || spec.getContainers() == null) {
      return List.of();
    }
    return spec.getContainers().stream()
        .map(Container::getImage)
        .filter(i -> i != null && !i.isBlank())
        .distinct()
        .toList();
  }

  /** The registry module's answer as the engine's facts (env values stay in memory only). */
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
    return ImageFacts.unresolved(((Resolution.Unresolved) resolution).reasonFor(image));
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    resolver.close();
  }
}
