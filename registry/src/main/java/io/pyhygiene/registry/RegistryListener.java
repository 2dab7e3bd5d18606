package io.pyhygiene.registry;

import io.pyhygiene.registry.Resolution.Reason;
import java.time.Duration;

/**
 * Callbacks per registry host, for metrics (the operator maps them to Micrometer counters; this
 * module depends on no metrics library). Called on resolver threads and on callers' threads:
 * implementations must be thread-safe and fast. The host comes from pod specs, so a metrics adapter
 * must bound it (see {@link RegistryStats}, which folds hosts past a limit into "other").
 */
public interface RegistryListener {

  /** Answered from the cache without a registry request (a cached failure included). */
  default void cacheHit(String registry) {}

  /** A registry request was needed. */
  default void cacheMiss(String registry) {}

  /** A registry request sequence ended with a config. */
  default void resolved(String registry, Duration took) {}

  /** A registry request sequence ended without one. */
  default void failed(String registry, Reason reason) {}

  /**
   * A tag re-checked after its TTL points to another digest than before (only known while the old
   * entry is still cached). The operator re-audits the Deployments naming {@code reference}.
   */
  default void tagMoved(String reference, String previousDigest, String digest) {}

  RegistryListener NONE = new RegistryListener() {};
}
