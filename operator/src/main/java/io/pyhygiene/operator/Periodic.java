package io.pyhygiene.operator;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a task on its own daemon thread every {@code interval} (after the previous run ended). A
 * failing run is logged and retried on the next one. Counts finished runs, so a caller (a test) can
 * wait for a run that started after something happened instead of sleeping.
 */
final class Periodic implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Periodic.class);

  private final String name;
  private final Duration interval;
  private final Runnable task;
  private final AtomicLong finished = new AtomicLong();
  private final ScheduledExecutorService executor;

  Periodic(String name, Duration interval, Runnable task) {
    this.name = name;
    this.interval = interval;
    this.task = task;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
  }

  void start() {
    executor.scheduleWithFixedDelay(
        this::runOnce, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void runOnce() {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.warn("{} failed, will retry: {}", name, e.toString());
    } finally {
      finished.incrementAndGet();
    }
  }

  /** Runs finished so far, failed ones included. */
  long finished() {
    return finished.get();
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
