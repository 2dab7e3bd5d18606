package io.pyhygiene.operator.memory;

import java.lang.ref.WeakReference;

/** For tests that something held weakly goes once nothing else holds it. */
public final class Collected {

  private Collected() {}

  /**
   * Whether {@code ref}'s referent is collected within a bounded number of requested GCs (a GC is
   * only requested: a few are tried, with a pause for reference processing between them).
   */
  public static boolean within(WeakReference<?> ref) throws InterruptedException {
    for (int i = 0; i < 50 && ref.get() != null; i++) {
      System.gc();
      Thread.sleep(20);
    }
    return ref.get() == null;
  }
}
