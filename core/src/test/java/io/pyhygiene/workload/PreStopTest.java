package io.pyhygiene.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreStopTest {

  @Test
  void sleepDurationsDirectAndInsideShells() {
    assertThat(PreStop.sleepSeconds(List.of("sleep", "5"))).isEqualTo(5);
    assertThat(PreStop.sleepSeconds(List.of("/bin/sleep", "2.5"))).isEqualTo(2.5);
    assertThat(PreStop.sleepSeconds(List.of("sleep", "1m"))).isEqualTo(60);
    assertThat(PreStop.sleepSeconds(List.of("sh", "-c", "sleep 10 && nginx -s quit")))
        .isEqualTo(10);
    assertThat(PreStop.sleepSeconds(List.of("busybox", "sleep", "3"))).isEqualTo(3);
    assertThat(PreStop.sleepSeconds(List.of("curl", "-X", "POST", "localhost/drain"))).isZero();
    assertThat(PreStop.sleepSeconds(List.of("sleep", "infinity"))).isInfinite();
    assertThat(PreStop.sleepSeconds(List.of("sleep", "x5"))).isZero();
  }
}
