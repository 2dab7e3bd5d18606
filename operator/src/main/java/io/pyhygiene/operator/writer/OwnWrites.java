package io.pyhygiene.operator.writer;

import java.math.BigInteger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resourceVersion each of pyhygiene's own Deployment writes produced, until the informer cache
 * has caught up with it.
 *
 * <p>A reconcile queued by an event that arrived during a write (the controller-manager updating
 * status, say) can run before the watch delivers the write itself. It then sees an object without
 * pyhygiene's metadata and would write the same thing again: idempotent, but a second request. Such
 * a reconcile is skipped instead; the watch event of the write re-runs it.
 *
 * <p>Comparing resourceVersions as integers is what the API server guarantees since Kubernetes 1.35
 * (comparable resource versions); a value that does not parse turns the check off for that object.
 * Entries live only until the cache holds the write or the Deployment is gone.
 */
final class OwnWrites {

  private final Map<String, BigInteger> pending = new ConcurrentHashMap<>();

  /** Records the resourceVersion a write to {@code key} returned. */
  void wrote(String key, String resourceVersion) {
    BigInteger v = parse(resourceVersion);
    if (v == null) {
      pending.remove(key);
    } else {
      pending.merge(key, v, BigInteger::max);
    }
  }

  /**
   * Whether an object seen at {@code resourceVersion} is older than pyhygiene's last write to it.
   * Once the cache is at or past that write, the write is forgotten.
   */
  boolean predatesOwnWrite(String key, String resourceVersion) {
    BigInteger written = pending.get(key);
    if (written == null) {
      return false;
    }
    BigInteger seen = parse(resourceVersion);
    if (seen != null && seen.compareTo(written) < 0) {
      return true;
    }
    pending.remove(key, written);
    return false;
  }

  void forget(String key) {
    pending.remove(key);
  }

  int size() {
    return pending.size();
  }

  private static BigInteger parse(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.length() > 40) {
      return null;
    }
    for (int i = 0; i < resourceVersion.length(); i++) {
      char c = resourceVersion.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    return new BigInteger(resourceVersion);
  }
}
