package io.pyhygiene.registry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Per-registry politeness: at most {@code maxConcurrent} resolutions at a time against one registry
 * host, and at most {@code requestsPerSecond} registry operations per second (a token bucket
 * holding up to {@code burst}). A caller that would wait past its deadline is refused at once
 * instead, so a limit never turns into an unbounded wait.
 *
 * <p>One entry per registry host seen; hosts come from pod specs, and a cluster names few
 * registries, so the map is not bounded.
 */
public final class RegistryLimits {

  private final int maxConcurrent;
  private final double requestsPerSecond;
  private final double burst;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Semaphore> permits = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RegistryLimits(int maxConcurrent, double requestsPerSecond, int burst) {
    this(maxConcurrent, requestsPerSecond, burst, System::nanoTime);
  }

  RegistryLimits(int maxConcurrent, double requestsPerSecond, int burst, LongSupplier nanoTime) {
    if (maxConcurrent < 1 || requestsPerSecond <= 0 || burst < 1) {
      throw new IllegalArgumentException("registry limits must be positive");
    }
    this.maxConcurrent = maxConcurrent;
    this.requestsPerSecond = requestsPerSecond;
    this.burst = burst;
    this.nanoTime = nanoTime;
  }

  /** Thrown when a limit cannot be met before the caller's deadline. */
  static final class LimitExceeded extends Exception {
    private static final long serialVersionUID = 1L;

    LimitExceeded(String message) {
      super(message);
    }
  }

  /** A held concurrency slot; closing it gives it back. */
  interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  /** Waits (until {@code deadlineNanos} at most) for one of the host's concurrency slots. */
  Permit acquire(String host, long deadlineNanos) throws LimitExceeded, InterruptedException {
    Semaphore s = permits.computeIfAbsent(host, h -> new Semaphore(maxConcurrent, true));
    long wait = deadlineNanos - nanoTime.getAsLong();
    if (wait <= 0 || !s.tryAcquire(wait, TimeUnit.NANOSECONDS)) {
      throw new LimitExceeded(maxConcurrent + " resolutions already running against " + host);
    }
    return s::release;
  }

  /**
   * Takes one request token for the host, sleeping until it is due; refuses when it would not be
   * due before {@code deadlineNanos}.
   */
  void awaitRequestToken(String host, long deadlineNanos)
      throws LimitExceeded, InterruptedException {
    long waitNanos = reserve(host, deadlineNanos);
    if (waitNanos > 0) {
      TimeUnit.NANOSECONDS.sleep(waitNanos);
    }
  }

  /** Reserves a token and returns how long until it is due (0: now); refuses past the deadline. */
  long reserve(String host, long deadlineNanos) throws LimitExceeded {
    Bucket b = buckets.computeIfAbsent(host, h -> new Bucket(burst, nanoTime.getAsLong()));
    synchronized (b) {
      long now = nanoTime.getAsLong();
      b.tokens = Math.min(burst, b.tokens + (now - b.updatedNanos) * requestsPerSecond / 1e9);
      b.updatedNanos = now;
      long wait = b.tokens >= 1 ? 0 : (long) Math.ceil((1 - b.tokens) * 1e9 / requestsPerSecond);
      if (now + wait > deadlineNanos) {
        throw new LimitExceeded(
            "rate limit of "
                + requestsPerSecond
                + " requests/s to "
                + host
                + " would pass the deadline");
      }
      b.tokens -= 1; // may go negative: later callers queue behind this reservation
      return wait;
    }
  }

  /** Slots in use for a host (for tests and diagnostics). */
  int inUse(String host) {
    Semaphore s = permits.get(host);
    return s == null ? 0 : maxConcurrent - s.availablePermits();
  }

  private static final class Bucket {
    double tokens;
    long updatedNanos;

    Bucket(double tokens, long updatedNanos) {
      this.tokens = tokens;
      this.updatedNanos = updatedNanos;
    }
  }
}
