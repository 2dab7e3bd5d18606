package io.pyhygiene.registry;

import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestListTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.image.json.OciIndexTemplate;
import com.google.cloud.tools.jib.image.json.V21ManifestTemplate;
import com.google.cloud.tools.jib.image.json.V22ManifestListTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import io.pyhygiene.registry.ImageConfigCache.TagEntry;
import io.pyhygiene.registry.ReferenceNormaliser.InvalidReferenceException;
import io.pyhygiene.registry.RegistryLimits.LimitExceeded;
import io.pyhygiene.registry.Resolution.Reason;
import io.pyhygiene.registry.Resolution.Resolved;
import io.pyhygiene.registry.Resolution.Unresolved;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolves image references to their configs: cache first, then the registry, within a deadline,
 * never throwing and never blocking past the deadline.
 *
 * <ul>
 *   <li>{@link #resolveAsync} runs on a bounded pool (the operator's reconcile thread never waits
 *       on a registry); {@link #resolve} waits for it (the CLI). Concurrent requests for the same
 *       image, platform and credentials share one registry conversation.
 *   <li>{@link #cachedOnly} answers from memory only (admission never waits on a registry).
 *   <li>A tag is re-checked after the tag TTL with one manifest request; a digest already seen
 *       needs no further request (content-addressed).
 * </ul>
 */
public final class RegistryResolver implements AutoCloseable {

  private static final int MAX_VARIANT_CANDIDATES = 4;

  /**
   * google-http-client (under jib) logs request headers through java.util.logging at CONFIG, and
   * the Authorization header too when the level is ALL. Registry traffic carries credentials and
   * tokens, so its logger is capped at INFO whatever the application's logging configuration says.
   * Held in a field: JUL keeps loggers only weakly.
   */
  private static final java.util.logging.Logger HTTP_LOG = capHttpLogging();

  private static java.util.logging.Logger capHttpLogging() {
    java.util.logging.Logger log = java.util.logging.Logger.getLogger("com.google.api.client.http");
    log.setLevel(java.util.logging.Level.INFO);
    return log;
  }

  private final ResolverOptions options;
  private final CredentialSource defaultCredentials;
  private final RegistryListener listener;
  private final ImageConfigCache cache;
  private final RegistryLimits limits;
  private final ThreadPoolExecutor executor;
  private final ScheduledExecutorService scheduler;
  private final ConcurrentHashMap<String, CompletableFuture<Resolution>> inFlight =
      new ConcurrentHashMap<>();

  public RegistryResolver(
      ResolverOptions options, CredentialSource defaultCredentials, RegistryListener listener) {
    this.options = options;
    this.defaultCredentials =
        defaultCredentials == null ? CredentialSource.NONE : defaultCredentials;
    this.listener = new SafeListener(listener == null ? RegistryListener.NONE : listener);
    this.cache =
        new ImageConfigCache(
            options.maxEntries(),
            options.maxBytes(),
            options.tagTtl(),
            options.negativeTtl(),
            options.clock());
    this.limits =
        new RegistryLimits(
            options.maxConcurrentPerRegistry(),
            options.requestsPerSecondPerRegistry(),
            options.burstPerRegistry());
    this.executor =
        new ThreadPoolExecutor(
            options.threads(),
            options.threads(),
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(options.queueCapacity()),
            daemonThreads("pyhygiene-registry"));
    this.executor.allowCoreThreadTimeOut(true);
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("pyhygiene-registry-watchdog"));
  }

  public ImageConfigCache cache() {
    return cache;
  }

  public ResolverOptions options() {
    return options;
  }

  /** Resolves with the default platform and credentials, waiting at most the deadline. */
  public Resolution resolve(String image) {
    return resolve(ResolveRequest.of(image));
  }

  /** Waits at most the deadline (plus scheduling slack); never throws. */
  public Resolution resolve(ResolveRequest request) {
    return resolveAsync(request).join();
  }

  /**
   * The answer, completed on a resolver thread (or at once from the cache). The future always
   * completes normally, by the deadline at the latest (then with TIMEOUT).
   */
  public CompletableFuture<Resolution> resolveAsync(ResolveRequest request) {
    ImageRef ref;
    try {
      ref = ReferenceNormaliser.normalise(request.image());
    } catch (InvalidReferenceException e) {
      return CompletableFuture.completedFuture(
          new Unresolved(Reason.INVALID_REFERENCE, e.getMessage()));
    }
    Platform platform = request.platform() != null ? request.platform() : options.platform();
    CredentialSource credentials =
        request.credentials() != null ? request.credentials() : defaultCredentials;

    Optional<Resolved> hit = fromCache(ref, platform, false);
    if (hit.isPresent()) {
      listener.cacheHit(ref.registry());
      return CompletableFuture.completedFuture(hit.get());
    }
    Optional<Unresolved> failure = cache.failure(ref, platform, credentials.scope());
    if (failure.isPresent()) {
      listener.cacheHit(ref.registry());
      return CompletableFuture.completedFuture(failure.get());
    }

    String key = ref + " " + platform.normalised() + " " + credentials.scope();
    CompletableFuture<Resolution> mine = new CompletableFuture<>();
    while (true) {
      CompletableFuture<Resolution> running = inFlight.putIfAbsent(key, mine);
      if (running == null) {
        break;
      }
      if (!running.isDone()) {
        return running.copy();
      }
      // finished but not yet removed: its answer is the past, not a conversation to join
      inFlight.remove(key, running);
    }
    long deadline = System.nanoTime() + options.deadline().toNanos();
    Unresolved late =
        new Unresolved(
            Reason.TIMEOUT,
            ref + ": no answer within the " + seconds(options.deadline()) + " deadline");
    mine.completeOnTimeout(late, options.deadline().toNanos(), TimeUnit.NANOSECONDS);
    try {
      executor.execute(
          () -> {
            Resolution result;
            try {
              result = fetch(ref, platform, credentials, deadline);
            } catch (RuntimeException | LinkageError e) {
              // fetch maps every failure it knows; this is the net under it, so the caller never
              // waits
              result = new Unresolved(Reason.ERROR, ref + ": " + e.getClass().getSimpleName());
            }
            // leave the in-flight map before completing: a caller woken by the completion must
            // find the cache, not this finished conversation
            inFlight.remove(key, mine);
            mine.complete(result);
          });
    } catch (RejectedExecutionException e) {
      Unresolved busy =
          new Unresolved(
              Reason.RATE_LIMITED,
              ref + ": resolver queue full (" + options.queueCapacity() + " waiting)");
      listener.failed(ref.registry(), busy.reason());
      inFlight.remove(key, mine);
      mine.complete(busy);
    }
    return mine.copy();
  }

  /**
   * The resolver's default platform and credential scope: see {@link #cachedOnly(ResolveRequest)}.
   */
  public Resolution cachedOnly(String image) {
    return cachedOnly(ResolveRequest.of(image));
  }

  /**
   * From memory only, never a request: for admission. A tag whose TTL has passed still answers with
   * its last known digest ({@link Resolved#confirmedAt()} says since when); a cached failure
   * answers with its reason; otherwise {@link Reason#NOT_CACHED}.
   */
  public Resolution cachedOnly(ResolveRequest request) {
    ImageRef ref;
    try {
      ref = ReferenceNormaliser.normalise(request.image());
    } catch (InvalidReferenceException e) {
      return new Unresolved(Reason.INVALID_REFERENCE, e.getMessage());
    }
    Platform p = request.platform() != null ? request.platform() : options.platform();
    CredentialSource credentials =
        request.credentials() != null ? request.credentials() : defaultCredentials;
    Optional<Resolved> hit = fromCache(ref, p, true);
    if (hit.isPresent()) {
      listener.cacheHit(ref.registry());
      return hit.get();
    }
    return cache
        .failure(ref, p, credentials.scope())
        .<Resolution>map(f -> f)
        .orElseGet(() -> new Unresolved(Reason.NOT_CACHED, ref + ": not resolved yet"));
  }

  private Optional<Resolved> fromCache(ImageRef ref, Platform platform, boolean acceptStaleTag) {
    Instant now = options.clock().instant();
    if (ref.digest() != null) {
      return cache
          .config(ref, ref.digest(), platform)
          .map(c -> new Resolved(c.withReference(ref.toString()), true, now));
    }
    Optional<TagEntry> tag = cache.tag(ref);
    if (tag.isEmpty() || !(tag.get().fresh() || acceptStaleTag)) {
      return Optional.empty();
    }
    return cache
        .config(ref, tag.get().digest(), platform)
        .map(c -> new Resolved(c.withReference(ref.toString()), true, tag.get().confirmedAt()));
  }

  /** One resolution against the registry; every failure becomes an Unresolved. */
  private Resolution fetch(
      ImageRef ref, Platform platform, CredentialSource credentials, long deadline) {
    String host = ref.registry();
    listener.cacheMiss(host);
    long start = System.nanoTime();
    Resolution result;
    RegistryLimits.Permit permit = null;
    try {
      permit = limits.acquire(host, deadline);
      try (JibRegistrySession session =
          new JibRegistrySession(
              ref, options.isInsecure(ref), options.userAgent(), credentials, scheduler)) {
        Steps steps = new Steps(session, host, deadline);
        try {
          result = fetchWith(steps, ref, platform);
        } catch (Exception e) {
          result =
              session.aborted() || System.nanoTime() >= deadline
                  ? timeout(ref, steps.current)
                  : FailureClassifier.classify(e, ref, session);
        }
      }
    } catch (Exception e) {
      // no slot at this registry before the deadline (or the resolver is closing)
      result =
          System.nanoTime() >= deadline
              ? timeout(ref, "waiting for a slot")
              : FailureClassifier.classify(e, ref, null);
    } finally {
      if (permit != null) {
        permit.close();
      }
    }
    if (result instanceof Unresolved u) {
      cache.putFailure(ref, platform, credentials.scope(), u);
      listener.failed(host, u.reason());
    } else {
      cache.clearFailure(ref, platform, credentials.scope());
      listener.resolved(host, Duration.ofNanos(System.nanoTime() - start));
    }
    return result;
  }

  private Unresolved timeout(ImageRef ref, String step) {
    return new Unresolved(
        Reason.TIMEOUT,
        ref
            + ": no answer from "
            + ref.apiHost()
            + " within "
            + seconds(options.requestTimeout())
            + " per request / "
            + seconds(options.deadline())
            + " in all ("
            + step
            + ")");
  }

  private Resolution fetchWith(Steps steps, ImageRef ref, Platform platform) throws Exception {
    ManifestAndDigest<ManifestTemplate> top =
        steps.run("manifest " + ref.qualifier(), s -> s.pullManifest(ref.qualifier()));
    String digest = top.getDigest().toString();
    if (ref.digest() != null
        && ref.digest().startsWith("sha256:")
        && !ref.digest().equals(digest)) {
      return new Unresolved(
          Reason.ERROR, ref + ": the registry served content with digest " + digest);
    }
    if (ref.digest()
        == null) { // a name:tag@digest reference says nothing about where the tag points now
      cache
          .putTag(ref, digest)
          .ifPresent(before -> listener.tagMoved(ref.toString(), before, digest));
    }
    Instant now = options.clock().instant();
    Optional<ImageConfig> known = cache.config(ref, digest, platform);
    if (known.isPresent()) {
      return new Resolved(known.get().withReference(ref.toString()), false, now);
    }

    ManifestTemplate manifest = top.getManifest();
    if (manifest instanceof ManifestListTemplate list) {
      Platform want = platform.normalised();
      List<String> candidates = list.getDigestsForPlatform(want.architecture(), want.os());
      if (candidates.isEmpty()) {
        return new Unresolved(
            Reason.NO_PLATFORM,
            ref
                + ": the index has no "
                + want.os()
                + "/"
                + want.architecture()
                + " image (it has "
                + String.join(", ", platformsOf(list))
                + ")");
      }
      Unresolved variantMiss = null;
      for (String candidate :
          candidates.subList(0, Math.min(candidates.size(), MAX_VARIANT_CANDIDATES))) {
        ManifestAndDigest<ManifestTemplate> m =
            steps.run("manifest " + candidate, s -> s.pullManifest(candidate));
        if (candidate.startsWith("sha256:") && !candidate.equals(m.getDigest().toString())) {
          return new Unresolved(
              Reason.ERROR, ref + ": the registry served " + m.getDigest() + " for " + candidate);
        }
        ImageConfig config =
            readConfig(steps, ref, digest, m.getDigest().toString(), m.getManifest());
        // jib's index model has no variant: an entry is checked against its config's variant.
        // A config that names no platform is taken on the index's word.
        if (config.platform().isEmpty() || platform.matches(Platform.parse(config.platform()))) {
          cache.putConfig(ref, digest, platform, config);
          return new Resolved(config, false, now);
        }
        variantMiss =
            new Unresolved(
                Reason.NO_PLATFORM,
                ref + ": no " + want + " image in the index (found " + config.platform() + ")");
      }
      return variantMiss;
    }
    ImageConfig config = readConfig(steps, ref, digest, digest, manifest);
    cache.putConfig(ref, digest, platform, config);
    return new Resolved(config, false, now);
  }

  private ImageConfig readConfig(
      Steps steps, ImageRef ref, String digest, String manifestDigest, ManifestTemplate manifest)
      throws Exception {
    if (manifest instanceof V21ManifestTemplate) {
      throw new UnsupportedManifest(
          "a Docker schema 1 manifest (deprecated; containerd 2 refuses it too)");
    }
    if (!(manifest instanceof BuildableManifestTemplate image)) {
      throw new UnsupportedManifest("a nested index where an image manifest was expected");
    }
    BuildableManifestTemplate.ContentDescriptorTemplate descriptor =
        image.getContainerConfiguration();
    if (descriptor == null || descriptor.getDigest() == null) {
      throw new UnsupportedManifest("a manifest without a config descriptor");
    }
    if (descriptor.getSize() > options.maxConfigBytes()) {
      throw new UnsupportedManifest(
          "a config of "
              + descriptor.getSize()
              + " bytes (limit "
              + options.maxConfigBytes()
              + ")");
    }
    byte[] blob =
        steps.run(
            "config " + descriptor.getDigest(),
            s -> s.pullBlob(descriptor.getDigest(), options.maxConfigBytes()));
    ImageConfigJson.Parsed p = ImageConfigJson.parse(blob);
    String platform =
        p.platform().os().isEmpty() || p.platform().architecture().isEmpty()
            ? ""
            : p.platform().toString();
    return new ImageConfig(
        ref.toString(),
        digest,
        manifestDigest,
        platform,
        p.entrypoint(),
        p.cmd(),
        p.user(),
        p.env(),
        p.workingDir(),
        p.stopSignal(),
        p.labels());
  }

  private static List<String> platformsOf(ManifestListTemplate list) {
    Set<String> out = new LinkedHashSet<>();
    if (list instanceof OciIndexTemplate oci) {
      oci.getManifests()
          .forEach(
              m ->
                  out.add(
                      m.getPlatform() == null
                          ? "?"
                          : m.getPlatform().getOs() + "/" + m.getPlatform().getArchitecture()));
    } else if (list instanceof V22ManifestListTemplate v22) {
      v22.getManifests()
          .forEach(
              m ->
                  out.add(
                      m.getPlatform() == null
                          ? "?"
                          : m.getPlatform().getOs() + "/" + m.getPlatform().getArchitecture()));
    }
    return new ArrayList<>(out);
  }

  /**
   * Runs each registry step under the rate limit and a watchdog for the request timeout and
   * deadline.
   */
  private final class Steps {
    private final JibRegistrySession session;
    private final String host;
    private final long deadline;
    String current = "";

    Steps(JibRegistrySession session, String host, long deadline) {
      this.session = session;
      this.host = host;
      this.deadline = deadline;
    }

    <T> T run(String what, StepCall<T> call) throws Exception {
      current = what;
      limits.awaitRequestToken(host, deadline);
      long timeout = Math.min(options.requestTimeout().toNanos(), deadline - System.nanoTime());
      if (timeout <= 0) {
        throw new LimitExceeded("deadline passed before " + what);
      }
      session.beginStep();
      ScheduledFuture<?> watchdog =
          scheduler.schedule(session::abort, timeout, TimeUnit.NANOSECONDS);
      try {
        return call.run(session);
      } finally {
        watchdog.cancel(false);
        session.endStep();
      }
    }
  }

  private interface StepCall<T> {
    T run(JibRegistrySession session) throws Exception;
  }

  /** A manifest or config the resolver will not read (schema 1, too large, no config). */
  static final class UnsupportedManifest extends Exception {
    private static final long serialVersionUID = 1L;

    UnsupportedManifest(String what) {
      super(what);
    }
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Listener calls must not break a resolution: a throwing listener is ignored. */
  private record SafeListener(RegistryListener delegate) implements RegistryListener {
    @Override
    public void cacheHit(String registry) {
      try {
        delegate.cacheHit(registry);
      } catch (RuntimeException ignored) {
        // metrics are best effort
      }
    }

    @Override
    public void cacheMiss(String registry) {
      try {
        delegate.cacheMiss(registry);
      } catch (RuntimeException ignored) {
        // metrics are best effort
      }
    }

    @Override
    public void resolved(String registry, Duration took) {
      try {
        delegate.resolved(registry, took);
      } catch (RuntimeException ignored) {
        // metrics are best effort
      }
    }

    @Override
    public void failed(String registry, Reason reason) {
      try {
        delegate.failed(registry, reason);
      } catch (RuntimeException ignored) {
        // metrics are best effort
      }
    }

    @Override
    public void tagMoved(String reference, String previousDigest, String digest) {
      try {
        delegate.tagMoved(reference, previousDigest, digest);
      } catch (RuntimeException ignored) {
        // a notification, best effort
      }
    }
  }

  /** Stops the threads; resolutions still running end as their sockets close. */
  @Override
  public void close() {
    executor.shutdownNow();
    scheduler.shutdownNow();
  }
}
