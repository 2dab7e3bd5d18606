package io.pyhygiene.operator.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

class StringPoolTest {

  @Test
  void equalStringsAreOneInstance() {
    StringPool pool = new StringPool();
    String a = new StringBuilder("IfNotPresent").toString();
    String b = new StringBuilder("IfNotPresent").toString();

    assertThat(pool.of(a)).isSameAs(pool.of(b)).isSameAs("IfNotPresent").isEqualTo(a);
    assertThat(pool.of(null)).isNull();
  }

  @Test
  void aPooledStringNothingElseHoldsIsCollected() throws InterruptedException {
    WeakReference<String> held = pooledAndDropped(new StringPool());
    assertThat(Collected.within(held)).isTrue();
  }

  private static WeakReference<String> pooledAndDropped(StringPool pool) {
    String unique = pool.of("pooled-" + System.nanoTime());
    return new WeakReference<>(unique);
  }
}
