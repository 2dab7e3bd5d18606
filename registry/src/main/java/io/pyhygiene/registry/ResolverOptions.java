package io.pyhygiene.registry;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the resolver behaves; {@link #defaults()} and then {@code with...}. Defaults suit both the
 * CLI (one run) and the operator (long-lived, many Deployments, few distinct images).
 *
 * @param platform picked from an index when a request names none (policy {@code images.platform})
 * @param insecureRegistries {@code host[:port]} reached with TLS failover to plain HTTP, as
 *     Docker's {@code insecure-registries}; loopback registries are always treated so
 * @param requestTimeout one registry request (connect + answer)
 * @param deadline a whole resolution, queueing and limits included; the answer is TIMEOUT then
 * @param tagTtl how long a tag's digest is trusted before the registry is asked again
 * @param negativeTtl how long a failure is remembered
 * @param maxEntries cache bound in entries (configs, tags and failures together)
 * @param maxBytes cache bound in estimated bytes
 * @param maxConfigBytes a config blob larger than this is refused (ERROR), not read
 * @param maxConcurrentPerRegistry resolutions running at once against one registry
 * @param requestsPerSecondPerRegistry registry operations per second to one registry
 * @param burstPerRegistry operations allowed at once before the rate applies
 * @param threads worker threads (the async API runs on them)
 * @param queueCapacity resolutions waiting for a thread; past it the answer is RATE_LIMITED
 * @param userAgent sent to registries
 * @param clock for TTLs (a fake one in tests)
 */
public record ResolverOptions(
    Platform platform,
    Set<String> insecureRegistries,
    Duration requestTimeout,
    Duration deadline,
    Duration tagTtl,
    Duration negativeTtl,
    int maxEntries,
    long maxBytes,
    long maxConfigBytes,
    int maxConcurrentPerRegistry,
    double requestsPerSecondPerRegistry,
    int burstPerRegistry,
    int threads,
    int queueCapacity,
    String userAgent,
    Clock clock) {

  public ResolverOptions {
    insecureRegistries =
        insecureRegistries.stream()
            .map(s -> s.toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
    if (requestTimeout.isNegative()
        || requestTimeout.isZero()
        || deadline.isNegative()
        || deadline.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
  }

  public static ResolverOptions defaults() {
    return new ResolverOptions(
        Platform.LINUX_AMD64,
        Set.of(),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ofMinutes(5),
        Duration.ofSeconds(30),
        10_000,
        64L * 1024 * 1024,
        4L * 1024 * 1024,
        4,
        10.0,
        20,
        4,
        256,
        "pyhygiene-registry",
        Clock.systemUTC());
  }

  public ResolverOptions withPlatform(Platform p) {
    return new ResolverOptions(
        p,
        insecureRegistries,
        requestTimeout,
        deadline,
        tagTtl,
        negativeTtl,
        maxEntries,
        maxBytes,
        maxConfigBytes,
        maxConcurrentPerRegistry,
        requestsPerSecondPerRegistry,
        burstPerRegistry,
        threads,
        queueCapacity,
        userAgent,
        clock);
  }

  public ResolverOptions withInsecureRegistries(Set<String> hosts) {
    return new ResolverOptions(
        platform,
        hosts,
        requestTimeout,
        deadline,
        tagTtl,
        negativeTtl,
        maxEntries,
        maxBytes,
        maxConfigBytes,
        maxConcurrentPerRegistry,
        requestsPerSecondPerRegistry,
        burstPerRegistry,
        threads,
        queueCapacity,
        userAgent,
        clock);
  }

  public ResolverOptions withTimeouts(Duration request, Duration whole) {
    return new ResolverOptions(
        platform,
        insecureRegistries,
        request,
        whole,
        tagTtl,
        negativeTtl,
        maxEntries,
        maxBytes,
        maxConfigBytes,
        maxConcurrentPerRegistry,
        requestsPerSecondPerRegistry,
        burstPerRegistry,
        threads,
        queueCapacity,
        userAgent,
        clock);
  }

  public ResolverOptions withTtls(Duration tag, Duration negative) {
    return new ResolverOptions(
        platform,
        insecureRegistries,
        requestTimeout,
        deadline,
        tag,
        negative,
        maxEntries,
        maxBytes,
        maxConfigBytes,
        maxConcurrentPerRegistry,
        requestsPerSecondPerRegistry,
        burstPerRegistry,
        threads,
        queueCapacity,
        userAgent,
        clock);
  }

  public ResolverOptions withCacheBounds(int entries, long bytes) {
    return new ResolverOptions(
        platform,
        insecureRegistries,
        requestTimeout,
        deadline,
        tagTtl,
        negativeTtl,
        entries,
        bytes,
        maxConfigBytes,
        maxConcurrentPerRegistry,
        requestsPerSecondPerRegistry,
        burstPerRegistry,
        threads,
        queueCapacity,
        userAgent,
        clock);
  }

  public ResolverOptions withRegistryLimits(int concurrent, double requestsPerSecond, int burst) {
    return new ResolverOptions(
        platform,
        insecureRegistries,
        requestTimeout,
        deadline,
        tagTtl,
        negativeTtl,
        maxEntries,
        maxBytes,
        maxConfigBytes,
        concurrent,
        requestsPerSecond,
        burst,
        threads,
        queueCapacity,
        userAgent,
        clock);
  }

  public ResolverOptions withExecutor(int workerThreads, int queue) {
    return new ResolverOptions(
        platform,
        insecureRegistries,
        requestTimeout,
        deadline,
        tagTtl,
        negativeTtl,
        maxEntries,
        maxBytes,
        maxConfigBytes,
        maxConcurrentPerRegistry,
        requestsPerSecondPerRegistry,
        burstPerRegistry,
        workerThreads,
        queue,
        userAgent,
        clock);
  }

  public ResolverOptions withClock(Clock c) {
    return new ResolverOptions(
        platform,
        insecureRegistries,
        requestTimeout,
        deadline,
        tagTtl,
        negativeTtl,
        maxEntries,
        maxBytes,
        maxConfigBytes,
        maxConcurrentPerRegistry,
        requestsPerSecondPerRegistry,
        burstPerRegistry,
        threads,
        queueCapacity,
        userAgent,
        c);
  }

  /** Whether {@code ref}'s registry gets Docker's insecure treatment (TLS optional). */
  boolean isInsecure(ImageRef ref) {
    return ref.isLoopback() || insecureRegistries.contains(ref.registry().toLowerCase(Locale.ROOT));
  }
}
