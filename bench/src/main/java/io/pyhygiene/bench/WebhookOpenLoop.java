package io.pyhygiene.bench;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyhygiene.operator.http.HttpServers;
import io.pyhygiene.operator.webhook.AdmissionServer;
import io.pyhygiene.policy.ActivePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Webhook latency at a fixed arrival rate (open loop, issue 14 benchmark 6): AdmissionReviews are
 * sent on a schedule, each at its own time whether or not earlier ones have been answered, so a
 * slow answer cannot hold back the next request (no coordinated omission). Server-side time is the
 * production timer {@code pyhygiene.admission.duration}; client-side time is measured from each
 * request's scheduled send time to its response, over at most 16 connections.
 *
 * <p>Usage: {@code WebhookOpenLoop <dir with ca.crt tls.crt tls.key> <requests/s> <seconds>
 * <warm-up seconds> <cdf out file>}; the CDF file has lines {@code percentile server_ms client_ms}.
 */
public final class WebhookOpenLoop {

  private static final double[] CDF = cdfPoints();
  private static final int CONNECTIONS = 16;

  private WebhookOpenLoop() {}

  public static void main(String[] args) throws Exception {
    HttpServers.preferLowLatency(); // as the operator does, before any server exists
    Path dir = Path.of(args[0]);
    double rate = Double.parseDouble(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int warmupSeconds = Integer.parseInt(args[3]);
    Path cdfOut = Path.of(args[4]);
    List<ActivePolicy> policies = WebhookLatency.policies();
    HttpClient client = WebhookLatency.client(dir);
    String[] bodies = {WebhookLatency.review(Samples.BAD), WebhookLatency.review(Samples.GOOD)};

    AdmissionServer warm = WebhookLatency.server(dir, policies, new SimpleMeterRegistry());
    run(client, WebhookLatency.uri(warm), bodies, rate, warmupSeconds, null);
    warm.close();

    SimpleMeterRegistry measured = WebhookLatency.measuredRegistry(CDF);
    AdmissionServer server = WebhookLatency.server(dir, policies, measured);
    int n = (int) Math.round(rate * seconds);
    long[] clientNanos = new long[n];
    long t0 = System.nanoTime();
    int failed = run(client, WebhookLatency.uri(server), bodies, rate, seconds, clientNanos);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    server.close();

    Timer timer = measured.find("pyhygiene.admission.duration").timer();
    ValueAtPercentile[] serverSide = timer.takeSnapshot().percentileValues();
    Arrays.sort(clientNanos);
    System.out.printf(
        "rate=%.0f/s seconds=%d requests=%d answered=%d failed=%d elapsed=%.1fs%n",
        rate, seconds, n, timer.count(), failed, elapsed);
    System.out.printf(
        "server-side ms: p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f%n",
        at(serverSide, 0.5),
        at(serverSide, 0.9),
        at(serverSide, 0.99),
        at(serverSide, 0.999),
        timer.max(TimeUnit.MILLISECONDS));
    System.out.printf(
        "client-side ms (from the scheduled send): p50=%.3f p90=%.3f p99=%.3f"
            + " p99.9=%.3f max=%.3f%n",
        WebhookLatency.pct(clientNanos, 0.5),
        WebhookLatency.pct(clientNanos, 0.9),
        WebhookLatency.pct(clientNanos, 0.99),
        WebhookLatency.pct(clientNanos, 0.999),
        clientNanos[n - 1] / 1e6);
    StringBuilder cdf = new StringBuilder();
    for (ValueAtPercentile p : serverSide) {
      cdf.append(
          String.format(
              "%.4f %.4f %.4f%n",
              p.percentile(),
              p.value(TimeUnit.MILLISECONDS),
              WebhookLatency.pct(clientNanos, p.percentile())));
    }
    Files.writeString(cdfOut, cdf, StandardCharsets.UTF_8);
    System.exit(failed == 0 ? 0 : 1);
  }

  private static double[] cdfPoints() {
    double[] p = new double[103];
    for (int i = 0; i < 99; i++) {
      p[i] = (i + 1) / 100.0;
    }
    p[99] = 0.995;
    p[100] = 0.999;
    p[101] = 0.9995;
    p[102] = 0.9999;
    Arrays.sort(p);
    return p;
  }

  private static double at(ValueAtPercentile[] values, double percentile) {
    for (ValueAtPercentile v : values) {
      if (Math.abs(v.percentile() - percentile) < 1e-9) {
        return v.value(TimeUnit.MILLISECONDS);
      }
    }
    throw new IllegalArgumentException("no percentile " + percentile);
  }

  /**
   * Sends at a fixed rate for the given time over at most {@value #CONNECTIONS} connections (as an
   * API server keeps a bounded pool to a webhook): a request whose time has come waits for a free
   * connection, and that wait counts in its client-side time. Returns the failed requests.
   */
  private static int run(
      HttpClient client, URI uri, String[] bodies, double rate, int seconds, long[] record)
      throws Exception {
    int n = (int) Math.round(rate * seconds);
    long period = (long) (1e9 / rate);
    AtomicInteger failed = new AtomicInteger();
    ExecutorService connections = Executors.newFixedThreadPool(CONNECTIONS);
    ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    CountDownLatch done = new CountDownLatch(n);
    long start = System.nanoTime();
    AtomicInteger next = new AtomicInteger();
    ticks.scheduleAtFixedRate(
        () -> {
          int i = next.getAndIncrement();
          if (i >= n) {
            return;
          }
          long intended = start + i * period;
          connections.execute(
              () -> {
                try {
                  HttpRequest req =
                      HttpRequest.newBuilder(uri)
                          .header("Content-Type", "application/json")
                          .POST(HttpRequest.BodyPublishers.ofString(bodies[i % bodies.length]))
                          .build();
                  HttpResponse<String> resp =
                      client.send(req, HttpResponse.BodyHandlers.ofString());
                  if (resp.statusCode() != 200) {
                    failed.incrementAndGet();
                  }
                } catch (Exception e) {
                  failed.incrementAndGet();
                } finally {
                  if (record != null) {
                    record[i] = System.nanoTime() - intended;
                  }
                  done.countDown();
                }
              });
        },
        0,
        period,
        TimeUnit.NANOSECONDS);
    // Bounded: the schedule plus a minute for what is queued.
    if (!done.await(seconds + 60L, TimeUnit.SECONDS)) {
      failed.addAndGet((int) done.getCount());
    }
    ticks.shutdownNow();
    connections.shutdownNow();
    return failed.get();
  }
}
