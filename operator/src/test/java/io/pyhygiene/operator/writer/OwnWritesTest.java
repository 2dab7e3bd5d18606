package io.pyhygiene.operator.writer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OwnWritesTest {

  private final OwnWrites writes = new OwnWrites();

  @Test
  void aCopyOlderThanTheOwnWriteIsStaleUntilTheCacheCatchesUp() {
    writes.wrote("ns/a", "1200");
    assertThat(writes.predatesOwnWrite("ns/a", "1187"))
        .as("status update queued mid-write")
        .isTrue();
    assertThat(writes.predatesOwnWrite("ns/a", "1199")).isTrue();
    assertThat(writes.predatesOwnWrite("ns/a", "1200")).as("the write's own event").isFalse();
    assertThat(writes.size()).as("forgotten once seen").isZero();
    assertThat(writes.predatesOwnWrite("ns/a", "1187")).as("nothing pending any more").isFalse();
  }

  @Test
  void laterCopiesAndOtherDeploymentsAreNeverStale() {
    writes.wrote("ns/a", "50");
    assertThat(writes.predatesOwnWrite("ns/b", "1")).isFalse();
    assertThat(writes.predatesOwnWrite("ns/a", "51")).isFalse();
    assertThat(writes.size()).isZero();
  }

  @Test
  void comparesAsIntegersNotStrings() {
    writes.wrote("ns/a", "10");
    assertThat(writes.predatesOwnWrite("ns/a", "9")).isTrue();
    writes.wrote("ns/b", "99999999999999999999");
    assertThat(writes.predatesOwnWrite("ns/b", "100000000000000000000")).isFalse();
  }

  @Test
  void keepsTheNewestOfSeveralWrites() {
    writes.wrote("ns/a", "30");
    writes.wrote("ns/a", "20");
    assertThat(writes.predatesOwnWrite("ns/a", "25")).isTrue();
  }

  @Test
  void anUnparseableVersionTurnsTheCheckOff() {
    writes.wrote("ns/a", "30");
    assertThat(writes.predatesOwnWrite("ns/a", "abc")).isFalse();
    assertThat(writes.size()).isZero();
    writes.wrote("ns/b", "x1");
    assertThat(writes.predatesOwnWrite("ns/b", "1")).isFalse();
    writes.wrote("ns/c", "٣");
    assertThat(writes.predatesOwnWrite("ns/c", "1"))
        .as("non-ASCII digits are not versions")
        .isFalse();
  }

  @Test
  void forgetDropsADeletedDeployment() {
    writes.wrote("ns/a", "30");
    writes.forget("ns/a");
    assertThat(writes.predatesOwnWrite("ns/a", "1")).isFalse();
  }
}
