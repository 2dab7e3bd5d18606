package io.pyhygiene.operator.memory;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * One instance for equal values (records, immutable lists), holding them weakly: a value is kept
 * here only while something else still refers to it, so the values of deleted workloads are
 * collected. For strings use {@link StringPool}.
 *
 * <p>A {@link WeakHashMap} from the value to a weak reference to itself (a strong reference in the
 * map's value would keep its own key alive). Its operations are guarded by this object's lock:
 * interning is a few hash lookups, done when an audit is stored, not on a hot path. Values must be
 * immutable, with {@code equals} and {@code hashCode} by content.
 */
public final class WeakInterner<T> {

  private final Map<T, WeakReference<T>> pool = new WeakHashMap<>();

  /**
   * The instance equal to {@code value} held here, or {@code value} itself, now held; null: null.
   */
  public synchronized T of(T value) {
    if (value == null) {
      return null;
    }
    WeakReference<T> ref = pool.get(value);
    T held = ref == null ? null : ref.get();
    if (held != null) {
      return held;
    }
    pool.put(value, new WeakReference<>(value));
    return value;
  }

  /** How many values are held (those already collected excepted). */
  public synchronized int size() {
    return pool.size();
  }
}
