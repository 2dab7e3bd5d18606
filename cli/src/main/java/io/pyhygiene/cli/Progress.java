package io.pyhygiene.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One progress line on stderr, rewritten in place ({@code \r}) and only on a terminal, so logs and
 * pipes never see it. Updates are throttled; {@link #done()} clears the line before the report is
 * written. Thread-safe: listing and resolving report from worker threads.
 */
final class Progress implements Consumer<String> {

  static final Progress SILENT = new Progress(null, false, System::nanoTime);

  private static final long INTERVAL_NANOS = 200_000_000L;

  private final PrintWriter err;
  private final boolean terminal;
  private final LongSupplier nanos;
  private long last = Long.MIN_VALUE;
  private int width;

  Progress(PrintWriter err, boolean terminal, LongSupplier nanos) {
    this.err = err;
    this.terminal = terminal && err != null;
    this.nanos = nanos;
  }

  /** Shows {@code message} unless the previous update was less than 200 ms ago. */
  @Override
  public synchronized void accept(String message) {
    if (!terminal) {
      return;
    }
    long now = nanos.getAsLong();
    if (last != Long.MIN_VALUE && now - last < INTERVAL_NANOS) {
      return;
    }
    last = now;
    String line = "pyhygiene: " + message;
    err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
    err.flush();
    width = line.length();
  }

  /** Clears the line, if one was shown. */
  synchronized void done() {
    if (terminal && width > 0) {
      err.print("\r" + " ".repeat(width) + "\r");
      err.flush();
      width = 0;
      last = Long.MIN_VALUE;
    }
  }
}
