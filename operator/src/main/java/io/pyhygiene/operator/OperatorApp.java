package io.pyhygiene.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyhygiene.Versions;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.FixPlanner;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.config.OperatorSettings;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.evidence.PodEvidence;
import io.pyhygiene.operator.http.HttpServers;
import io.pyhygiene.operator.http.OpsServer;
import io.pyhygiene.operator.images.ImageMetrics;
import io.pyhygiene.operator.images.WorkloadImages;
import io.pyhygiene.operator.memory.StringPool;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.operator.reconciler.ClusterCache;
import io.pyhygiene.operator.reconciler.Housekeeping;
import io.pyhygiene.operator.reconciler.InitialSync;
import io.pyhygiene.operator.reconciler.PolicyReconciler;
import io.pyhygiene.operator.reconciler.PruningItemStore;
import io.pyhygiene.operator.reconciler.SelectionIndex;
import io.pyhygiene.operator.reconciler.SharedWatches;
import io.pyhygiene.operator.reconciler.WorkloadReconciler;
import io.pyhygiene.operator.reconciler.WorkloadReconcilers;
import io.pyhygiene.operator.remediation.Remediator;
import io.pyhygiene.operator.remediation.RolloutSlots;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.operator.report.PolicyStatusWriter;
import io.pyhygiene.operator.report.ReportPublisher;
import io.pyhygiene.operator.webhook.AdmissionDecider;
import io.pyhygiene.operator.webhook.AdmissionServer;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.Ownership;
import io.pyhygiene.workload.WorkloadKind;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Composition root of the operator: builds the engine, the reconcilers, housekeeping and the report
 * publisher, the metrics and the HTTP endpoints, and wires them to one Kubernetes client. Nothing
 * here decides anything about a workload.
 */
public final class OperatorApp implements AutoCloseable {

  static {
    HttpServers.preferLowLatency(); // before any server of the process exists: see there
  }

  private static final Logger LOG = LoggerFactory.getLogger(OperatorApp.class);

  private final OperatorSettings settings;
  private final KubernetesClient client;
  private final Operator operator;
  private final OpsServer http;
  private final Periodic rounds;
  private final AdmissionServer webhook;
  private final WorkloadImages images;
  private final SharedWatches watches;
  // what the informer caches and the audit store share their strings through
  private final StringPool strings = new StringPool();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();

  public OperatorApp(OperatorSettings settings, Config kubeConfig) throws Exception {
    this.settings = settings;
    if (settings.webhookEnabled()) { // fail before anything starts
      for (var file : List.of(settings.webhookCertFile(), settings.webhookKeyFile())) {
        if (!Files.isReadable(file)) {
          throw new IllegalArgumentException(
              "the admission webhook is enabled but "
                  + file
                  + " is not readable: set "
                  + OperatorSettings.WEBHOOK_CERT_FILE.key()
                  + " and "
                  + OperatorSettings.WEBHOOK_KEY_FILE.key()
                  + ", or "
                  + OperatorSettings.WEBHOOK_ENABLED.key()
                  + "=false");
        }
      }
    }
    Clock clock = Clock.systemUTC();
    String identity = identity(settings.podName());
    this.client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(kubeConfig)
                    .withUserAgent(userAgent(identity))
                    .withRequestRetryBackoffInterval(retryBackoffMillis(kubeConfig))
                    .build())
            .build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    PyhygieneMetrics metrics = new PyhygieneMetrics(registry);

    List<Rule> rules = RuleCatalog.all();
    Map<String, RuleInfo> ruleInfo = new LinkedHashMap<>();
    rules.forEach(r -> ruleInfo.put(r.id(), r.info()));
    Auditor auditor = new Auditor(rules, clock);
    this.images = new WorkloadImages(settings.images(), client, new ImageMetrics(registry), clock);

    // The reconciler side (runs on the leader only).
    PolicyCatalog policies = new PolicyCatalog(new PolicyResolver(rules));
    // One informer each for policies, Namespaces and Pods, for every kind and the webhook.
    this.watches = new SharedWatches(client, settings.watchNamespaces(), strings);
    policies.attach(watches::policies);
    ClusterCache cache =
        new ClusterCache(EnumSet.allOf(WorkloadKind.class), watches::namespaceLabels);
    EvidenceStore evidence = new EvidenceStore(clock, settings.evidenceWindow());
    AuditStore store = new AuditStore(clock, strings);
    InitialSync initialSync = new InitialSync(cache);
    store.completeWhen(initialSync::done);
    SelectionIndex index = new SelectionIndex(policies, cache);
    WorkloadWriter writer = new WorkloadWriter(client, clock, identity);
    Remediator remediator =
        new Remediator(
            new FixPlanner(auditor), writer, new RolloutSlots(cache::rollingWorkloads), metrics);
    PodEvidence podEvidence =
        new PodEvidence(
            evidence,
            metrics,
            new PodEvidence.Owners() {
              @Override
              public Optional<? extends HasMetadata> find(
                  WorkloadKind kind, String ns, String name) {
                return cache.find(kind, ns, name);
              }

              @Override
              public boolean exists(WorkloadId id) {
                return cache.exists(id);
              }
            });
    List<WorkloadReconciler<?>> workloads =
        WorkloadReconcilers.all(
            new WorkloadReconciler.Wiring(
                new WorkloadReconciler.Collaborators(
                    policies,
                    new WorkloadAuditor(
                        auditor,
                        policies::active,
                        cache::namespaceLabels,
                        images.reconcileLookup()),
                    cache,
                    index,
                    initialSync,
                    podEvidence,
                    evidence,
                    images,
                    watches),
                store,
                writer,
                remediator));
    PolicyStatusWriter statusWriter = new PolicyStatusWriter(client, store, clock);
    Housekeeping housekeeping = new Housekeeping(cache, store, evidence, index, writer, images);
    ReportPublisher publisher =
        new ReportPublisher(client, store, policies, statusWriter, metrics, ruleInfo);

    AtomicBoolean leading = new AtomicBoolean(!settings.leaderElection());
    this.operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withConcurrentReconciliationThreads(settings.reconcileThreads())
                  .withMetrics(
                      MicrometerMetrics.newMicrometerMetricsBuilder(registry)
                          .notCollectingMetricsPerResource()
                          .build());
              if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(leaderElection(identity, leading));
              }
            });
    workloads.forEach(this::register);
    operator.register(new PolicyReconciler(policies, statusWriter));
    this.rounds =
        new Periodic(
            "pyhygiene-reports",
            settings.reportInterval(),
            () -> {
              if (leading.get() && store.complete()) { // a partial store would publish wrong counts
                housekeeping.run();
                publisher.publish();
              }
            });

    // The webhook side: every replica answers admission requests, leader or not, from the
    // shared informers (they run on every replica).
    if (settings.webhookEnabled()) {
      PolicyCatalog admissionPolicies = new PolicyCatalog(new PolicyResolver(rules));
      admissionPolicies.attach(watches::policies);
      Set<String> excluded = new HashSet<>(Set.of("kube-system"));
      if (!settings.operatorNamespace().isEmpty()) {
        excluded.add(settings.operatorNamespace());
      }
      this.webhook =
          new AdmissionServer(
              settings.webhookPort(),
              settings.webhookCertFile(),
              settings.webhookKeyFile(),
              new AdmissionDecider(
                  new WorkloadAuditor(
                      auditor,
                      admissionPolicies::active,
                      watches::namespaceLabels,
                      images.admissionLookup())),
              Set.copyOf(excluded),
              metrics);
    } else {
      this.webhook = null;
    }
    this.http =
        new OpsServer(
            settings.httpPort(),
            registry,
            () ->
                !started.get()
                    || (operator.getRuntimeInfo().allEventSourcesAreHealthy() && watches.running()),
            () -> started.get() && operator.getRuntimeInfo().isStarted() && watches.synced());
  }

  /** Registers one kind's reconciler: its name, pruned cache, and only what it audits itself. */
  private <T extends HasMetadata> void register(WorkloadReconciler<T> r) {
    operator.register(
        r,
        c -> {
          if (!settings.watchNamespaces().isEmpty()) {
            c.settingNamespaces(settings.watchNamespaces());
          }
          c.withName(WorkloadId.plural(r.kind()));
          c.withGenerationAware(false);
          c.withItemStore(new PruningItemStore<>(r.pruning(), strings));
          c.withInformerListLimit(SharedWatches.LIST_LIMIT);
          c.withGenericFilter(o -> !Ownership.auditedThroughOwner(o));
          c.withReconciliationMaxInterval(settings.resyncInterval());
        });
  }

  private LeaderElectionConfiguration leaderElection(String identity, AtomicBoolean leading) {
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(settings.leaseName())
        .withLeaseNamespace(settings.leaseNamespace())
        .withIdentity(identity)
        // JOSDK's own exit-on-stop-leading calls System.exit inside our shutdown hook (stopping
        // the operator stops leading) and deadlocks; the callback below decides.
        .withExitOnStopLeading(false)
        .withLeaderCallbacks(
            new LeaderCallbacks(
                () -> {
                  leading.set(true);
                  LOG.info("became the leader ({})", identity);
                },
                () -> {
                  leading.set(false);
                  if (closing.get()) {
                    LOG.info("stopped leading (shutting down)");
                  } else {
                    // Lost the Lease while running: exit so the Deployment restarts this replica as
                    // a follower. From a new thread: System.exit runs the shutdown hook, which must
                    // not wait on the thread that called it.
                    LOG.warn("lost leadership; exiting so this replica restarts as a follower");
                    new Thread(() -> System.exit(1), "pyhygiene-lost-lease").start();
                  }
                },
                leader -> LOG.info("current leader: {}", leader)))
        .build();
  }

  /**
   * The first pause before fabric8 retries a failed request (doubled after each try, up to 32 times
   * it, 10 tries; each watch's reconnect is such a request). fabric8's 100 ms made the operator's
   * watches try about ten connections each in the first 20 s of an API server outage, and every 3.2
   * s after; 500 ms makes it six, then one every 16 s, which also bounds how long after the
   * server's return a watch may wait (measured in faults/ControlPlaneKillFaultIT: 1 s cut the
   * attempts no further once settled but delayed recovery to 37 s). A value set with fabric8's own
   * KUBERNETES_REQUEST_RETRY_BACKOFFINTERVAL (or its system property) wins.
   */
  static int retryBackoffMillis(Config kubeConfig) {
    boolean setByUser =
        System.getenv("KUBERNETES_REQUEST_RETRY_BACKOFFINTERVAL") != null
            || System.getProperty(Config.KUBERNETES_REQUEST_RETRY_BACKOFFINTERVAL_SYSTEM_PROPERTY)
                != null;
    return setByUser ? kubeConfig.getRequestRetryBackoffInterval() : 500;
  }

  /**
   * {@code pyhygiene/<version> (<identity>)}: the API server's audit log then tells which replica
   * made each request (two replicas otherwise look the same: same version, same ServiceAccount).
   * Tools that pick the operator's requests out of the audit log match the prefix {@code
   * pyhygiene/}.
   */
  static String userAgent(String identity) {
    return "pyhygiene/" + Versions.current() + " (" + identity + ")";
  }

  /** This replica in leader election and Events: its pod, else its host and process. */
  private static String identity(String podName) {
    if (!podName.isEmpty()) {
      return podName;
    }
    try {
      return InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
    } catch (Exception e) {
      return "pyhygiene-" + ProcessHandle.current().pid();
    }
  }

  /**
   * Starts everything; first checks the API server can be used ({@link ApiPreflight}), throwing
   * {@link IllegalStateException} with what to do when it cannot.
   */
  public void start() {
    ApiPreflight.check(client, settings.watchNamespaces());
    http.start();
    watches.run(); // before the reconcilers: none audits before policies and Namespaces are known
    if (webhook != null) {
      webhook.start();
      LOG.info("admission webhook on :{} (POST /validate)", webhook.port());
    }
    LOG.info(
        "pyhygiene {} starting: metrics and probes on :{}, watching {}, leader election {}",
        Versions.current(),
        http.port(),
        settings.watchNamespaces().isEmpty() ? "all namespaces" : settings.watchNamespaces(),
        settings.leaderElection()
            ? "on (lease " + settings.leaseNamespace() + "/" + settings.leaseName() + ")"
            : "off");
    operator.start();
    started.set(true);
    rounds.start();
    LOG.info("pyhygiene started");
  }

  public int httpPort() {
    return http.port();
  }

  /**
   * Housekeeping and publishing rounds finished so far (whether or not they had anything to do): a
   * test waits for one that started after its action, instead of sleeping.
   */
  public long finishedRounds() {
    return rounds.finished();
  }

  /** Finishes in-flight reconciles, stops the informers, releases the lease, closes the client. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    LOG.info("pyhygiene stopping");
    rounds.close();
    if (webhook != null) {
      webhook.close();
    }
    try {
      operator.stop();
    } catch (RuntimeException e) {
      LOG.warn("stopping the operator: {}", e.toString());
    }
    watches.close();
    http.close();
    images.close();
    client.close();
    LOG.info("pyhygiene stopped");
  }
}
