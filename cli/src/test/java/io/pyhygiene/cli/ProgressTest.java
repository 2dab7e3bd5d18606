package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

  @Test
  void onATerminalOneLineIsRewrittenThrottledAndCleared() {
    StringWriter err = new StringWriter();
    AtomicLong now = new AtomicLong();
    Progress p = new Progress(new PrintWriter(err, true), true, now::get);
    p.accept("listing the cluster: 500 objects read");
    now.addAndGet(100_000_000L); // 100 ms later: not shown
    p.accept("listing the cluster: 1000 objects read");
    now.addAndGet(150_000_000L);
    p.accept("resolving images: 1/2");
    p.done();
    String line1 = "pyhygiene: listing the cluster: 500 objects read";
    String line2 = "pyhygiene: resolving images: 1/2";
    assertThat(err.toString())
        .isEqualTo(
            "\r"
                + line1
                + "\r"
                + line2
                + " ".repeat(line1.length() - line2.length())
                + "\r"
                + " ".repeat(line2.length())
                + "\r");
    assertThat(err.toString()).doesNotContain("1000").doesNotContain("\n");
  }

  @Test
  void elsewhereNothingIsWritten() {
    StringWriter err = new StringWriter();
    Progress p = new Progress(new PrintWriter(err, true), false, System::nanoTime);
    p.accept("listing the cluster: 500 objects read");
    p.done();
    assertThat(err.toString()).isEmpty();
  }
}
