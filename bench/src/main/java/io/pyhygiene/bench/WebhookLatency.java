package io.pyhygiene.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.http.HttpServers;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.operator.webhook.AdmissionDecider;
import io.pyhygiene.operator.webhook.AdmissionServer;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Webhook latency: the real AdmissionServer over TLS, in-process, answering AdmissionReviews of a
 * failing and a passing Deployment under a Deny and a Warn policy. Server-side time is the
 * production timer {@code pyhygiene.admission.duration} (read here with exact percentiles);
 * client-side time includes TLS and HTTP on loopback.
 *
 * <p>Usage: {@code WebhookLatency <dir with ca.crt tls.crt tls.key> <requests> <client threads>}
 */
public final class WebhookLatency {

  private WebhookLatency() {}

  public static void main(String[] args) throws Exception {
    HttpServers.preferLowLatency(); // as the operator does, before any server exists
    Path dir = Path.of(args[0]);
    int requests = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    List<ActivePolicy> policies = policies();
    HttpClient client = client(dir);
    String[] bodies = {review(Samples.BAD), review(Samples.GOOD)};

    // Warm-up server: the JIT, TLS and connection pool warm up here, then it is discarded so the
    // measured server's timer holds only measured requests.
    AdmissionServer warm = server(dir, policies, new SimpleMeterRegistry());
    run(client, uri(warm), bodies, Math.max(3000, requests / 2), threads, null);
    warm.close();

    SimpleMeterRegistry measured = measuredRegistry(0.5, 0.9, 0.99, 0.999);
    AdmissionServer server = server(dir, policies, measured);
    long[] clientNanos = new long[requests];
    long t0 = System.nanoTime();
    run(client, uri(server), bodies, requests, threads, clientNanos);
    double seconds = (System.nanoTime() - t0) / 1e9;
    server.close();

    Timer timer = measured.find("pyhygiene.admission.duration").timer();
    System.out.printf(
        "requests=%d threads=%d throughput=%.0f/s%n", requests, threads, requests / seconds);
    System.out.print("server-side ms:");
    for (ValueAtPercentile p : timer.takeSnapshot().percentileValues()) {
      System.out.printf(
          " p%s=%.3f",
          trim(p.percentile() * 100), p.value(java.util.concurrent.TimeUnit.MILLISECONDS));
    }
    System.out.printf(
        " max=%.3f mean=%.3f%n",
        timer.max(java.util.concurrent.TimeUnit.MILLISECONDS),
        timer.mean(java.util.concurrent.TimeUnit.MILLISECONDS));
    Arrays.sort(clientNanos);
    System.out.printf(
        "client-side ms: p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f%n",
        pct(clientNanos, 0.5),
        pct(clientNanos, 0.9),
        pct(clientNanos, 0.99),
        pct(clientNanos, 0.999),
        clientNanos[clientNanos.length - 1] / 1e6);
    System.exit(0);
  }

  /** A registry keeping exact percentiles of the webhook's server-side timer. */
  static SimpleMeterRegistry measuredRegistry(double... percentiles) {
    SimpleMeterRegistry measured = new SimpleMeterRegistry();
    measured
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig c) {
                return id.getName().equals("pyhygiene.admission.duration")
                    ? DistributionStatisticConfig.builder()
                        .percentiles(percentiles)
                        .percentilePrecision(3)
                        .expiry(java.time.Duration.ofHours(1))
                        .bufferLength(1)
                        .build()
                        .merge(c)
                    : c;
              }
            });
    return measured;
  }

  /** A Deny and a Warn policy with the default rules. */
  static List<ActivePolicy> policies() throws Exception {
    PolicyResolver resolver = new PolicyResolver(RuleCatalog.all());
    List<ActivePolicy> policies = new ArrayList<>();
    for (String mode : List.of("Deny", "Warn")) {
      var spec = new YAMLMapper().readValue("mode: " + mode, PythonHygienePolicySpec.class);
      var r = resolver.resolve(mode.toLowerCase(), spec);
      policies.add(new ActivePolicy(mode.toLowerCase(), 1, null, null, r.policy(), r.errors()));
    }
    return policies;
  }

  static AdmissionServer server(Path dir, List<ActivePolicy> policies, SimpleMeterRegistry registry)
      throws Exception {
    AdmissionServer s =
        new AdmissionServer(
            0,
            dir.resolve("tls.crt"),
            dir.resolve("tls.key"),
            new AdmissionDecider(
                new WorkloadAuditor(
                    new Auditor(RuleCatalog.all(), Clock.systemUTC()),
                    () -> policies,
                    ns -> Map.of())),
            Set.of("kube-system"),
            new PyhygieneMetrics(registry));
    s.start();
    return s;
  }

  static URI uri(AdmissionServer s) {
    return URI.create("https://127.0.0.1:" + s.port() + "/validate");
  }

  static HttpClient client(Path dir) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (FileInputStream in = new FileInputStream(dir.resolve("ca.crt").toFile())) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
  }

  static String trim(double p) {
    return p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
  }

  static double pct(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  private static void run(
      HttpClient client, URI uri, String[] bodies, int n, int threads, long[] record)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      final int offset = t;
      futures.add(
          pool.submit(
              () -> {
                for (int i = offset; i < n; i += threads) {
                  HttpRequest req =
                      HttpRequest.newBuilder(uri)
                          .header("Content-Type", "application/json")
                          .POST(HttpRequest.BodyPublishers.ofString(bodies[i % bodies.length]))
                          .build();
                  long s = System.nanoTime();
                  HttpResponse<String> resp =
                      client.send(req, HttpResponse.BodyHandlers.ofString());
                  if (record != null) {
                    record[i] = System.nanoTime() - s;
                  }
                  if (resp.statusCode() != 200) {
                    throw new IllegalStateException("HTTP " + resp.statusCode());
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
  }

  static String review(String deploymentYaml) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode review = json.createObjectNode();
    review.put("apiVersion", "admission.k8s.io/v1");
    review.put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request");
    request.put("uid", "bench");
    request.putObject("kind").put("group", "apps").put("version", "v1").put("kind", "Deployment");
    request.put("operation", "CREATE");
    request.put("namespace", "shop");
    request.set("object", json.valueToTree(new YAMLMapper().readTree(deploymentYaml)));
    return json.writeValueAsString(review);
  }
}
