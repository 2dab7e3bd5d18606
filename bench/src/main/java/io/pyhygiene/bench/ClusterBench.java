package io.pyhygiene.bench;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.writer.WorkloadMetadata;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.Observations;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-cluster benchmarks' client side (issue 14, benchmarks 2 and 4), against the cluster in
 * {@code KUBECONFIG}:
 *
 * <ul>
 *   <li>{@code floor <threads>}: the floor of a cold audit. A minimal client that lists every
 *       Deployment, audits it with the same engine and policy as the operator and writes the same
 *       verdict label and annotations by server-side apply, with the operator's client settings
 *       (fabric8 defaults, no QPS limiter) and as many concurrent writers as the operator has
 *       reconcile threads. Its requests are the operator's own ({@link WorkloadWriter}: same apply
 *       config, field manager and forced apply); only the user agent differs.
 *   <li>{@code reset <threads>}: removes what pyhygiene's field manager applied (an empty apply,
 *       forced), so the next cold run starts from Deployments without pyhygiene metadata.
 *   <li>{@code await <n> <timeout s>}: prints {@code ready} once it watches, then the epoch
 *       millisecond at which {@code n} Deployments carry the verdict label; exits 1 on timeout.
 *   <li>{@code churn <changes/s> <seconds> <out file>}: changes one Deployment's pod template per
 *       tick (open loop) and records, per change, the time from the watch event carrying its new
 *       generation to the watch event carrying the operator's verdict for it ({@code
 *       pyhygiene.io/audited-generation} at least that generation, verdict label set).
 * </ul>
 *
 * <p>Only metadata and timings are printed: never a Deployment's spec or env.
 */
public final class ClusterBench {

  static final String BENCH_POLICY = "bench";
  static final String SEQ_ANNOTATION = "bench.pyhygiene.io/seq";

  private ClusterBench() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    try (KubernetesClient client = client()) {
      switch (args[0]) {
        case "floor" -> floor(client, Integer.parseInt(args[1]), out);
        case "reset" -> reset(client, Integer.parseInt(args[1]), out);
        case "await" ->
            System.exit(
                await(client, Integer.parseInt(args[1]), Long.parseLong(args[2]), out) ? 0 : 1);
        case "churn" ->
            churn(
                client,
                Double.parseDouble(args[1]),
                Integer.parseInt(args[2]),
                Path.of(args[3]),
                out);
        default -> throw new IllegalArgumentException("unknown command " + args[0]);
      }
    }
    System.exit(0);
  }

  /** The operator's client settings: fabric8's defaults from the kubeconfig. */
  private static KubernetesClient client() {
    Config config =
        new ConfigBuilder(Config.autoConfigure(null))
            .withUserAgent("pyhygiene-bench/floor")
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static List<Deployment> listAll(KubernetesClient client) {
    return listAll(client, new String[1]);
  }

  /** Every Deployment, 500 a page; {@code resourceVersion[0]} gets the list's version. */
  private static List<Deployment> listAll(KubernetesClient client, String[] resourceVersion) {
    List<Deployment> all = new ArrayList<>();
    String cont = null;
    do {
      DeploymentList page =
          client
              .apps()
              .deployments()
              .inAnyNamespace()
              .list(new ListOptionsBuilder().withLimit(500L).withContinue(cont).build());
      all.addAll(page.getItems());
      cont = page.getMetadata().getContinue();
      resourceVersion[0] = page.getMetadata().getResourceVersion();
    } while (cont != null && !cont.isEmpty());
    return all;
  }

  static void floor(KubernetesClient client, int threads, PrintStream out) throws Exception {
    var spec = new YAMLMapper().readValue("mode: Audit", PythonHygienePolicySpec.class);
    var resolved = new PolicyResolver(RuleCatalog.all()).resolve(BENCH_POLICY, spec);
    List<ActivePolicy> policies =
        List.of(
            new ActivePolicy(BENCH_POLICY, 1, null, null, resolved.policy(), resolved.errors()));
    WorkloadAuditor auditor =
        new WorkloadAuditor(
            new Auditor(RuleCatalog.all(), Clock.systemUTC()), () -> policies, ns -> Map.of());
    WorkloadWriter writer = new WorkloadWriter(client, Clock.systemUTC(), "bench-floor");
    List<Deployment> all = listAll(client);
    AtomicInteger written = new AtomicInteger();
    forEach(
        all,
        threads,
        d -> {
          CombinedAudit audit = auditor.audit(d, Observations.NONE, auditor.selecting(d));
          // exactly the operator's request: its apply config, its field manager, forced
          WorkloadMetadata m =
              WorkloadMetadata.of(audit, Map.of()).withGeneration(WorkloadWriter.generation(d) + 1);
          writer.apply(d, writer.metadataApply(d, m), false, true);
          written.incrementAndGet();
        });
    out.println("floor wrote " + written.get() + " of " + all.size());
  }

  static void reset(KubernetesClient client, int threads, PrintStream out) throws Exception {
    String manager = WorkloadWriter.FIELD_MANAGER;
    WorkloadWriter writer = new WorkloadWriter(client, Clock.systemUTC(), "bench-reset");
    List<Deployment> all = listAll(client);
    AtomicInteger n = new AtomicInteger();
    forEach(
        all,
        threads,
        d -> {
          boolean owns =
              d.getMetadata().getManagedFields() != null
                  && d.getMetadata().getManagedFields().stream()
                      .anyMatch(
                          e ->
                              manager.equals(e.getManager())
                                  && "Apply".equals(e.getOperation())
                                  && e.getSubresource() == null);
          if (owns) {
            // what the operator applies to a Deployment it no longer audits
            writer.apply(d, writer.metadataApply(d, WorkloadMetadata.none()), false, true);
            n.incrementAndGet();
          }
        });
    out.println("reset " + n.get() + " of " + all.size() + " (manager " + manager + ")");
  }

  private interface Action {
    void run(Deployment d) throws Exception;
  }

  private static void forEach(List<Deployment> all, int threads, Action action) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      final int offset = t;
      futures.add(
          pool.submit(
              () -> {
                for (int i = offset; i < all.size(); i += threads) {
                  action.run(all.get(i));
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
  }

  static boolean await(KubernetesClient client, int n, long timeoutSeconds, PrintStream out)
      throws Exception {
    Map<String, Boolean> labelled = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(1);
    long[] at = new long[1];
    Runnable check =
        () -> {
          if (labelled.size() >= n && done.getCount() > 0) {
            at[0] = System.currentTimeMillis();
            done.countDown();
          }
        };
    var informer =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .withLabel(WorkloadMetadata.VERDICT_LABEL)
            .inform(
                new io.fabric8.kubernetes.client.informers.ResourceEventHandler<Deployment>() {
                  @Override
                  public void onAdd(Deployment d) {
                    labelled.put(key(d), true);
                    check.run();
                  }

                  @Override
                  public void onUpdate(Deployment before, Deployment d) {
                    labelled.put(key(d), true);
                    check.run();
                  }

                  @Override
                  public void onDelete(Deployment d, boolean unknown) {
                    labelled.remove(key(d));
                  }
                });
    out.println("ready " + labelled.size());
    out.flush();
    boolean ok = done.await(timeoutSeconds, TimeUnit.SECONDS);
    informer.close();
    out.println(ok ? "labelled " + n + " at " + at[0] : "timeout with " + labelled.size());
    return ok;
  }

  private static String key(Deployment d) {
    return d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
  }

  /** One change under way: when its generation was seen, when its verdict was. */
  private static final class Change {
    final long generation;
    volatile long seenNanos;
    volatile long verdictNanos;

    Change(long generation) {
      this.generation = generation;
    }
  }

  static void churn(
      KubernetesClient client, double rate, int seconds, Path outFile, PrintStream out)
      throws Exception {
    String[] listVersion = new String[1];
    List<Deployment> all = listAll(client, listVersion);
    if (all.isEmpty()) {
      throw new IllegalStateException("no Deployments");
    }
    int total = (int) Math.round(rate * seconds);
    Map<String, Change> pending = new ConcurrentHashMap<>();
    List<Change> changes = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failures = new AtomicInteger();
    // Every event of every Deployment after the list (no initial ADDED flood): the change's
    // generation and the verdict for it.
    var watch =
        client
            .apps()
            .deployments()
            .inAnyNamespace()
            .watch(
                new ListOptionsBuilder().withResourceVersion(listVersion[0]).build(),
                new Watcher<Deployment>() {
                  @Override
                  public void eventReceived(Action action, Deployment d) {
                    long now = System.nanoTime();
                    Change c = pending.get(key(d));
                    if (c == null) {
                      return;
                    }
                    long g =
                        d.getMetadata().getGeneration() == null
                            ? 0
                            : d.getMetadata().getGeneration();
                    if (c.seenNanos == 0 && g >= c.generation) {
                      c.seenNanos = now;
                    }
                    Map<String, String> a = d.getMetadata().getAnnotations();
                    Map<String, String> l = d.getMetadata().getLabels();
                    String audited =
                        a == null ? null : a.get(WorkloadMetadata.GENERATION_ANNOTATION);
                    if (c.seenNanos != 0
                        && audited != null
                        && Long.parseLong(audited) >= c.generation
                        && l != null
                        && l.containsKey(WorkloadMetadata.VERDICT_LABEL)) {
                      c.verdictNanos = now;
                      pending.remove(key(d), c);
                    }
                  }

                  @Override
                  public void onClose(WatcherException e) {
                    out.println("watch closed: " + e.getMessage());
                  }
                });
    // Open loop: one change every 1/rate s on its schedule, whatever the previous one is doing.
    ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    ExecutorService senders = Executors.newFixedThreadPool(8);
    AtomicInteger sent = new AtomicInteger();
    long periodNanos = (long) (1e9 / rate);
    CountDownLatch allSent = new CountDownLatch(total);
    ticks.scheduleAtFixedRate(
        () -> {
          int i = sent.getAndIncrement();
          if (i >= total) {
            return;
          }
          Deployment d = all.get(i % all.size());
          senders.submit(
              () -> {
                try {
                  String patch =
                      "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
                          + SEQ_ANNOTATION
                          + "\":\""
                          + i
                          + "-"
                          + System.nanoTime()
                          + "\"}}}}}";
                  // Registered before the patch (its watch event may arrive before the response):
                  // the
                  // change is the first generation after the current one.
                  Deployment current =
                      client
                          .apps()
                          .deployments()
                          .inNamespace(d.getMetadata().getNamespace())
                          .withName(d.getMetadata().getName())
                          .get();
                  long from =
                      current.getMetadata().getGeneration() == null
                          ? 0
                          : current.getMetadata().getGeneration();
                  Change c = new Change(from + 1);
                  pending.put(key(d), c);
                  changes.add(c);
                  client
                      .apps()
                      .deployments()
                      .inNamespace(d.getMetadata().getNamespace())
                      .withName(d.getMetadata().getName())
                      .patch(PatchContext.of(PatchType.STRATEGIC_MERGE), patch);
                } catch (RuntimeException e) {
                  failures.incrementAndGet();
                } finally {
                  allSent.countDown();
                }
              });
        },
        0,
        periodNanos,
        TimeUnit.NANOSECONDS);
    allSent.await(seconds + 60L, TimeUnit.SECONDS);
    ticks.shutdownNow();
    // Bounded wait for the last verdicts.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    watch.close();
    senders.shutdown();
    List<Double> ms = new ArrayList<>();
    int missing = 0;
    synchronized (changes) {
      for (Change c : changes) {
        if (c.seenNanos != 0 && c.verdictNanos != 0) {
          ms.add((c.verdictNanos - c.seenNanos) / 1e6);
        } else {
          missing++;
        }
      }
    }
    double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    StringBuilder raw = new StringBuilder();
    for (double v : sorted) {
      raw.append(String.format("%.3f%n", v));
    }
    Files.writeString(outFile, raw, StandardCharsets.UTF_8);
    out.printf(
        "changes=%d rate=%.1f/s seconds=%d measured=%d missing=%d failed=%d%n",
        total, rate, seconds, sorted.length, missing, failures.get());
    if (sorted.length > 0) {
      out.printf(
          "latency ms: p50=%.1f p90=%.1f p99=%.1f max=%.1f%n",
          pct(sorted, 0.5), pct(sorted, 0.9), pct(sorted, 0.99), sorted[sorted.length - 1]);
    }
  }

  static double pct(double[] sorted, double p) {
    return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
  }
}
