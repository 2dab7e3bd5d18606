package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.registry.Resolution.Reason;
import io.pyhygiene.registry.Resolution.Unresolved;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageConfigCacheTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T00:00:00Z"));
  private final Platform amd64 = Platform.LINUX_AMD64;

  private static ImageRef ref(String s) throws Exception {
    return ReferenceNormaliser.normalise(s);
  }

  private static ImageConfig config(String digest, int envBytes) {
    return new ImageConfig(
        "docker.io/library/python:3.12",
        digest,
        digest,
        "linux/amd64",
        List.of("python"),
        List.of(),
        "",
        List.of("X=" + "v".repeat(envBytes)),
        "",
        "",
        Map.of());
  }

  @Test
  void tagIsFreshForItsTtlThenStaleButKept() throws Exception {
    ImageConfigCache cache =
        new ImageConfigCache(100, 1 << 20, Duration.ofMinutes(5), Duration.ofSeconds(30), clock);
    ImageRef python = ref("python:3.12");
    cache.putTag(python, "sha256:1");
    assertThat(cache.tag(python)).hasValueSatisfying(t -> assertThat(t.fresh()).isTrue());
    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(cache.tag(python).orElseThrow().fresh()).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(cache.tag(python))
        .hasValueSatisfying(
            t -> {
              assertThat(t.fresh()).isFalse();
              assertThat(t.digest()).isEqualTo("sha256:1");
              assertThat(t.confirmedAt()).isEqualTo(Instant.parse("2026-12-02T00:00:00Z"));
            });
    cache.putTag(python, "sha256:2");
    assertThat(cache.tag(python).orElseThrow())
        .satisfies(
            t -> {
              assertThat(t.fresh()).isTrue();
              assertThat(t.digest()).isEqualTo("sha256:2");
            });
  }

  @Test
  void configsByDigestNeverExpire() throws Exception {
    ImageConfigCache cache =
        new ImageConfigCache(100, 1 << 20, Duration.ofMinutes(5), Duration.ofSeconds(30), clock);
    ImageRef python = ref("python:3.12");
    cache.putConfig(python, "sha256:1", amd64, config("sha256:1", 10));
    clock.advance(Duration.ofDays(365));
    assertThat(cache.config(python, "sha256:1", amd64)).isPresent();
    assertThat(cache.config(python, "sha256:1", Platform.parse("linux/arm64"))).isEmpty();
    assertThat(cache.config(ref("other/python:3.12"), "sha256:1", amd64))
        .as("another repository")
        .isEmpty();
  }

  @Test
  void failuresExpireAfterTheNegativeTtlAndArePerCredentialScope() throws Exception {
    ImageConfigCache cache =
        new ImageConfigCache(100, 1 << 20, Duration.ofMinutes(5), Duration.ofSeconds(30), clock);
    ImageRef app = ref("registry:5000/app");
    cache.putFailure(app, amd64, "anonymous", new Unresolved(Reason.UNAUTHORIZED, "401"));
    assertThat(cache.failure(app, amd64, "anonymous")).isPresent();
    assertThat(cache.failure(app, amd64, "pull-secrets:ns/regcred")).isEmpty();
    clock.advance(Duration.ofSeconds(30));
    assertThat(cache.failure(app, amd64, "anonymous")).isEmpty();
    assertThat(cache.size()).isZero();
  }

  @Test
  void boundedInEntriesLeastRecentlyUsedOut() throws Exception {
    ImageConfigCache cache =
        new ImageConfigCache(3, 1 << 20, Duration.ofMinutes(5), Duration.ofSeconds(30), clock);
    ImageRef python = ref("python:3.12");
    for (int i = 1; i <= 3; i++) {
      cache.putConfig(python, "sha256:" + i, amd64, config("sha256:" + i, 10));
    }
    assertThat(cache.config(python, "sha256:1", amd64)).isPresent(); // 1 is now the most recent
    cache.putConfig(python, "sha256:4", amd64, config("sha256:4", 10));
    assertThat(cache.size()).isEqualTo(3);
    assertThat(cache.evictions()).isEqualTo(1);
    assertThat(cache.config(python, "sha256:2", amd64)).as("least recently used").isEmpty();
    assertThat(cache.config(python, "sha256:1", amd64)).isPresent();
    assertThat(cache.config(python, "sha256:4", amd64)).isPresent();
  }

  @Test
  void boundedInBytes() throws Exception {
    long budget = 64 * 1024;
    ImageConfigCache cache =
        new ImageConfigCache(10_000, budget, Duration.ofMinutes(5), Duration.ofSeconds(30), clock);
    ImageRef python = ref("python:3.12");
    long one = config("sha256:0", 4000).estimatedBytes();
    assertThat(one).isBetween(8000L, 9000L); // 4000 chars at two bytes each, plus overhead
    for (int i = 0; i < 100; i++) {
      cache.putConfig(python, "sha256:" + i, amd64, config("sha256:" + i, 4000));
      assertThat(cache.bytes()).isLessThanOrEqualTo(budget);
    }
    assertThat(cache.size()).isBetween(5, 8);
    assertThat(cache.config(python, "sha256:99", amd64)).isPresent();
    assertThat(cache.config(python, "sha256:0", amd64)).isEmpty();
  }

  @Test
  void anEntryLargerThanTheBudgetIsNotCached() throws Exception {
    ImageConfigCache cache =
        new ImageConfigCache(10, 4096, Duration.ofMinutes(5), Duration.ofSeconds(30), clock);
    ImageRef python = ref("python:3.12");
    cache.putConfig(python, "sha256:small", amd64, config("sha256:small", 10));
    cache.putConfig(python, "sha256:huge", amd64, config("sha256:huge", 10_000));
    assertThat(cache.config(python, "sha256:huge", amd64)).isEmpty();
    assertThat(cache.config(python, "sha256:small", amd64)).as("not evicted for it").isPresent();
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    synchronized void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public synchronized Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
