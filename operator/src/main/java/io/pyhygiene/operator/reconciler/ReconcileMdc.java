package io.pyhygiene.operator.reconciler;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * The logging context of one reconcile (DESIGN conventions): {@code reconcileId}, a short id that
 * tells the lines of one reconcile from those of another running at the same time, plus the keys
 * the reconciler adds ({@code namespace}, {@code name}, {@code policy}). Closing it removes exactly
 * what it put, so a pooled executor thread carries nothing into the next reconcile.
 */
final class ReconcileMdc implements AutoCloseable {

  static final String RECONCILE_ID = "reconcileId";

  private final List<String> keys = new ArrayList<>();

  private ReconcileMdc() {}

  static ReconcileMdc open() {
    return new ReconcileMdc().put(RECONCILE_ID, UUID.randomUUID().toString().substring(0, 8));
  }

  ReconcileMdc put(String key, String value) {
    MDC.put(key, value);
    if (!keys.contains(key)) {
      keys.add(key);
    }
    return this;
  }

  @Override
  public void close() {
    keys.forEach(MDC::remove);
  }
}
