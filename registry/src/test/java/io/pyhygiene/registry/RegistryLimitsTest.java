package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pyhygiene.registry.RegistryLimits.LimitExceeded;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RegistryLimitsTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  @Test
  void burstThenOneTokenPerInterval() throws Exception {
    RegistryLimits limits = new RegistryLimits(4, 2.0, 3, now::get);
    long far = now.get() + 100 * SECOND;
    assertThat(limits.reserve("r", far)).isZero();
    assertThat(limits.reserve("r", far)).isZero();
    assertThat(limits.reserve("r", far)).isZero();
    assertThat(limits.reserve("r", far))
        .as("fourth waits half a second at 2/s")
        .isEqualTo(SECOND / 2);
    assertThat(limits.reserve("r", far)).as("and the fifth queues behind it").isEqualTo(SECOND);
    now.addAndGet(10 * SECOND);
    assertThat(limits.reserve("r", far)).as("refilled, but never above the burst").isZero();
    assertThat(limits.reserve("other", far)).as("per registry").isZero();
  }

  @Test
  void refusesWhenTheTokenWouldComePastTheDeadline() throws Exception {
    RegistryLimits limits = new RegistryLimits(4, 1.0, 1, now::get);
    assertThat(limits.reserve("r", now.get() + SECOND)).isZero();
    assertThatThrownBy(() -> limits.reserve("r", now.get() + SECOND / 2))
        .isInstanceOf(LimitExceeded.class)
        .hasMessageContaining("rate limit");
    assertThat(limits.reserve("r", now.get() + SECOND))
        .as("a refusal takes no token")
        .isEqualTo(SECOND);
  }

  @Test
  void concurrencyPerRegistry() throws Exception {
    RegistryLimits limits = new RegistryLimits(2, 100, 10);
    long soon = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    RegistryLimits.Permit a = limits.acquire("r", soon);
    RegistryLimits.Permit b = limits.acquire("r", soon);
    assertThat(limits.inUse("r")).isEqualTo(2);
    assertThatThrownBy(() -> limits.acquire("r", soon))
        .isInstanceOf(LimitExceeded.class)
        .hasMessageContaining("2 resolutions already running against r");
    limits.acquire("other", System.nanoTime() + SECOND).close();
    a.close();
    limits.acquire("r", System.nanoTime() + SECOND).close();
    b.close();
    assertThat(limits.inUse("r")).isZero();
  }
}
