package io.pyhygiene.operator.memory;

/**
 * One instance for equal strings: what the informer caches and the audit store keep repeats the
 * same few strings across thousands of workloads ("apps/v1", label keys, images, condition reasons,
 * finding messages), each parsed or built into its own copy.
 *
 * <p>Backed by {@link String#intern()}, not by a map of our own, because: (1) the JVM's string
 * table holds its strings weakly, so the strings of a deleted object are collected like any other
 * (no leak, no cleanup of ours); (2) its entries live outside the heap, a few dozen bytes each,
 * where a weak map on the heap costs an entry and a {@link java.lang.ref.WeakReference} (about 80
 * bytes) per distinct string and adds to every GC's reference processing; (3) Jackson interns JSON
 * field names through the same table, so map keys parsed from the API server (labels, annotations,
 * managedFields field sets) are canonical already and a cached map never needs rebuilding for its
 * keys, and so are string literals (rule ids, "apps/v1"); (4) it is thread-safe without a lock of
 * ours. An instance has no state of its own: it is injected so that what is pooled is decided in
 * one place and can be replaced.
 */
public final class StringPool {

  /** The pooled instance equal to {@code s}; null for null. */
  public String of(String s) {
    return s == null ? null : s.intern();
  }
}
