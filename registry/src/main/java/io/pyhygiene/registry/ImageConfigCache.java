package io.pyhygiene.registry;

import io.pyhygiene.registry.Resolution.Unresolved;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the resolver remembers, bounded in entries and in (estimated) bytes, least recently used
 * first out:
 *
 * <ul>
 *   <li>configs by digest and platform: content-addressed, so never stale, only evicted;
 *   <li>tag to digest, fresh for the tag TTL; an entry past it is kept (and reported with its age)
 *       for {@link RegistryResolver#cachedOnly}, but a resolve asks the registry again;
 *   <li>failures, for the (short) negative TTL, so a registry that is down or says 401 is not asked
 *       again for every Deployment that names it.
 * </ul>
 *
 * Thread-safe (one lock: every operation is a map look-up).
 */
public final class ImageConfigCache {

  /** A tag's digest and when the registry last said so. */
  public record TagEntry(String digest, Instant confirmedAt, boolean fresh) {}

  private sealed interface Value permits ConfigValue, TagValue, FailureValue {}

  private record ConfigValue(ImageConfig config, Instant storedAt) implements Value {}

  private record TagValue(String digest, Instant confirmedAt) implements Value {}

  private record FailureValue(Unresolved failure, Instant storedAt) implements Value {}

  private record Entry(Value value, long bytes) {}

  private final int maxEntries;
  private final long maxBytes;
  private final Duration tagTtl;
  private final Duration negativeTtl;
  private final Clock clock;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
  private long bytes;
  private long evictions;

  public ImageConfigCache(
      int maxEntries, long maxBytes, Duration tagTtl, Duration negativeTtl, Clock clock) {
    if (maxEntries < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("cache bounds must be positive");
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.tagTtl = tagTtl;
    this.negativeTtl = negativeTtl;
    this.clock = clock;
  }

  static String configKey(ImageRef ref, String digest, Platform platform) {
    return "config " + ref.name() + "@" + digest + " " + platform.normalised();
  }

  static String tagKey(ImageRef ref) {
    return "tag " + ref.name() + ":" + ref.tag();
  }

  static String failureKey(ImageRef ref, Platform platform, String credentialScope) {
    return "failure " + ref + " " + platform.normalised() + " " + credentialScope;
  }

  /**
   * The config of {@code digest} for {@code platform}, cached under the repository it was read
   * from.
   */
  public synchronized Optional<ImageConfig> config(ImageRef ref, String digest, Platform platform) {
    Entry e = entries.get(configKey(ref, digest, platform));
    return e == null ? Optional.empty() : Optional.of(((ConfigValue) e.value()).config());
  }

  public synchronized void putConfig(
      ImageRef ref, String digest, Platform platform, ImageConfig config) {
    put(
        configKey(ref, digest, platform),
        new ConfigValue(config, clock.instant()),
        config.estimatedBytes());
  }

  /** The tag's last known digest, fresh or not; empty for a digest reference or an unknown tag. */
  public synchronized Optional<TagEntry> tag(ImageRef ref) {
    if (ref.tag() == null) {
      return Optional.empty();
    }
    Entry e = entries.get(tagKey(ref));
    if (e == null) {
      return Optional.empty();
    }
    TagValue t = (TagValue) e.value();
    boolean fresh = clock.instant().isBefore(t.confirmedAt().plus(tagTtl));
    return Optional.of(new TagEntry(t.digest(), t.confirmedAt(), fresh));
  }

  /** Records the tag's digest; returns the digest it replaces when that differs (the tag moved). */
  public synchronized Optional<String> putTag(ImageRef ref, String digest) {
    if (ref.tag() == null) {
      return Optional.empty();
    }
    String key = tagKey(ref);
    Entry old = entries.get(key);
    put(key, new TagValue(digest, clock.instant()), 2L * (key.length() + digest.length()) + 120);
    String before = old == null ? null : ((TagValue) old.value()).digest();
    return before == null || before.equals(digest) ? Optional.empty() : Optional.of(before);
  }

  /** A failure cached less than the negative TTL ago. */
  public synchronized Optional<Unresolved> failure(
      ImageRef ref, Platform platform, String credentialScope) {
    String key = failureKey(ref, platform, credentialScope);
    Entry e = entries.get(key);
    if (e == null) {
      return Optional.empty();
    }
    FailureValue f = (FailureValue) e.value();
    if (!clock.instant().isBefore(f.storedAt().plus(negativeTtl))) {
      remove(key);
      return Optional.empty();
    }
    return Optional.of(f.failure());
  }

  public synchronized void putFailure(
      ImageRef ref, Platform platform, String credentialScope, Unresolved failure) {
    if (negativeTtl.isZero() || negativeTtl.isNegative()) {
      return;
    }
    String key = failureKey(ref, platform, credentialScope);
    put(
        key,
        new FailureValue(failure, clock.instant()),
        2L * (key.length() + failure.detail().length()) + 160);
  }

  /** Forgets a failure (a later success replaces it). */
  public synchronized void clearFailure(ImageRef ref, Platform platform, String credentialScope) {
    remove(failureKey(ref, platform, credentialScope));
  }

  public synchronized int size() {
    return entries.size();
  }

  public synchronized long bytes() {
    return bytes;
  }

  public synchronized long evictions() {
    return evictions;
  }

  private void put(String key, Value value, long size) {
    long entryBytes = size + 2L * key.length() + 64;
    if (entryBytes > maxBytes) {
      return; // one entry larger than the whole budget is not cached at all
    }
    remove(key);
    entries.put(key, new Entry(value, entryBytes));
    bytes += entryBytes;
    Iterator<Map.Entry<String, Entry>> eldest = entries.entrySet().iterator();
    while ((entries.size() > maxEntries || bytes > maxBytes) && eldest.hasNext()) {
      Map.Entry<String, Entry> victim = eldest.next();
      bytes -= victim.getValue().bytes();
      eldest.remove();
      evictions++;
    }
  }

  private void remove(String key) {
    Entry old = entries.remove(key);
    if (old != null) {
      bytes -= old.bytes();
    }
  }
}
