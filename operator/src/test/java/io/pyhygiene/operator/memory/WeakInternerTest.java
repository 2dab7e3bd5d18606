package io.pyhygiene.operator.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeakInternerTest {

  record Point(int x, String label) {}

  @Test
  void equalValuesAreOneInstance() {
    WeakInterner<Point> points = new WeakInterner<>();
    Point first = new Point(1, "a");
    Point second = new Point(1, "a");

    assertThat(points.of(first)).isSameAs(first);
    assertThat(points.of(second)).isSameAs(first).isEqualTo(second);
    assertThat(points.of(new Point(2, "a"))).isNotSameAs(first);
    assertThat(points.of(null)).isNull();
  }

  @Test
  void aValueNothingElseHoldsIsCollected() throws InterruptedException {
    WeakInterner<List<Point>> lists = new WeakInterner<>();
    WeakReference<List<Point>> held = internedAndDropped(lists);
    assertThat(Collected.within(held)).isTrue();
    // its entry goes once the cleared reference is enqueued (by the JVM's reference handler,
    // after the GC): bounded wait
    await().atMost(Duration.ofSeconds(10)).until(() -> lists.size() == 0);
  }

  private static WeakReference<List<Point>> internedAndDropped(WeakInterner<List<Point>> lists) {
    List<Point> value = List.of(new Point(3, "gone"));
    assertThat(lists.of(value)).isSameAs(value);
    assertThat(lists.size()).isOne();
    return new WeakReference<>(value);
  }
}
