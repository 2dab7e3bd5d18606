package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.evidence.PodTerminations;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadView;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Keeps every selected Deployment audited: selects the policies, runs the engine with the runtime
 * evidence, remediates when a policy asks for it, and writes the metadata. Thin: the decisions
 * are the engine's.
 *
 * <p>Not generation-aware: labels and annotations (opt-out, exemptions) change without a new
 * generation and must re-audit; writes happen only when something changed.
 */
@ControllerConfiguration(name = "deployments", generationAwareEventProcessing = false)
public final class DeploymentReconciler implements Reconciler<Deployment> {

  private final Auditor auditor;
  private final PolicyCatalog policies;
  private final EvidenceStore evidence;
  private final AuditStore store;
  private final DeploymentWriter writer;
  private final Remediator remediator;
  private final PyhygieneMetrics metrics;
  /** Deployments each policy selected at their last audit: a policy change re-audits these too. */
  private final Map<String, Set<ResourceID>> selectedBy = new ConcurrentHashMap<>();
  private volatile IndexerResourceCache<Deployment> deployments;
  /** Deployments reconciled since start, until each cached one has been (see initialAuditDone). */
  private final Set<ResourceID> auditedSinceStart = ConcurrentHashMap.newKeySet();
  private volatile boolean initialAuditDone;
  private volatile InformerEventSource<Namespace, Deployment> namespaces;

  public DeploymentReconciler(Auditor auditor, PolicyCatalog policies, EvidenceStore evidence,
      AuditStore store, DeploymentWriter writer, Remediator remediator, PyhygieneMetrics metrics) {
    this.auditor = auditor;
    this.policies = policies;
    this.evidence = evidence;
    this.store = store;
    this.writer = writer;
    this.remediator = remediator;
    this.metrics = metrics;
    store.completeWhen(this::initialAuditDone);
  }

  @Override
  public List<EventSource<?, Deployment>> prepareEventSources(EventSourceContext<Deployment> ctx) {
    this.deployments = ctx.getPrimaryCache();
    InformerEventSource<PythonHygienePolicy, Deployment> policySource = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PythonHygienePolicy.class, Deployment.class)
            .withName("policies")
            .withSecondaryToPrimaryMapper(this::deploymentsOf)
            .build(), ctx);
    policies.attach(policySource::list);
    this.namespaces = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Namespace.class, Deployment.class)
            .withName("namespaces")
            .withOnUpdateFilter((n, old) -> !Objects.equals(n.getMetadata().getLabels(),
                old.getMetadata().getLabels()))
            .withSecondaryToPrimaryMapper(ns -> deployments == null ? Set.of()
                : deployments.list(ns.getMetadata().getName()).map(ResourceID::fromResource)
                    .collect(Collectors.toSet()))
            .build(), ctx);
    InformerEventSource<Pod, Deployment> pods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, Deployment.class)
            .withName("pods")
            .withNamespacesInheritedFromController()
            .withLabelSelector(PodTerminations.TEMPLATE_HASH_LABEL)
            .withItemStore(new PruningItemStore<>(Pruning::pod))
            .withSecondaryToPrimaryMapper(this::recordEvidence)
            .build(), ctx);
    return List.of(policySource, namespaces, pods);
  }

  /** A policy event re-audits what it selects now and what it selected before. */
  private Set<ResourceID> deploymentsOf(PythonHygienePolicy p) {
    Set<ResourceID> out = new HashSet<>(selectedBy.getOrDefault(p.getMetadata().getName(), Set.of()));
    IndexerResourceCache<Deployment> cache = deployments;
    if (cache != null) {
      ActivePolicy active = policies.resolve(p);
      cache.list().filter(d -> active.selects(namespaceLabels(d.getMetadata().getNamespace()),
              d.getMetadata().getLabels()))
          .map(ResourceID::fromResource).forEach(out::add);
    }
    return out;
  }

  /**
   * Records a pod's container terminations as evidence (each counted once), and re-audits its
   * Deployment when the pod carries such evidence (ordinary pod churn triggers nothing).
   */
  private Set<ResourceID> recordEvidence(Pod pod) {
    Optional<String> deployment = PodTerminations.deploymentName(pod);
    if (deployment.isEmpty()) {
      return Set.of();
    }
    String ns = pod.getMetadata().getNamespace();
    String key = ns + "/" + deployment.get();
    boolean any = false;
    for (PodTerminations.Observed o : PodTerminations.of(pod)) {
      evidence.record(key, o, t -> {
        if (t.oomKilled()) {
          metrics.oomKilled(ns, deployment.get());
        } else {
          metrics.shutdownSigkilled(ns, deployment.get());
        }
      });
      // Not "only when new": JOSDK calls this mapper twice per event (its secondary index, then
      // the event itself), so the second call would never see a new termination and the
      // Deployment would not be re-audited. Re-auditing on a known one writes nothing.
      any |= o.termination().sigkilledAtShutdown() || o.termination().oomKilled();
    }
    return any ? Set.of(new ResourceID(deployment.get(), ns)) : Set.of();
  }

  private Map<String, String> namespaceLabels(String namespace) {
    InformerEventSource<Namespace, Deployment> ns = namespaces;
    if (ns == null || namespace == null) {
      return Map.of();
    }
    return ns.get(new ResourceID(namespace)).map(n -> n.getMetadata().getLabels())
        .filter(Objects::nonNull).orElse(Map.of());
  }

  @Override
  public UpdateControl<Deployment> reconcile(Deployment d, Context<Deployment> context) {
    String ns = d.getMetadata().getNamespace();
    String name = d.getMetadata().getName();
    String key = ns + "/" + name;
    ReconcileMdc mdc = ReconcileMdc.open().put("namespace", ns).put("name", name);
    try {
      if (writer.predatesOwnWrite(d)) {
        // Queued by an event that came in during our own write: the watch event of that write
        // re-runs this with the written object. The audit store already holds this audit.
        return UpdateControl.noUpdate();
      }
      ResourceID id = ResourceID.fromResource(d);
      Map<String, String> nsLabels = namespaceLabels(ns);
      List<ActivePolicy> selecting = policies.active().stream()
          .filter(p -> p.selects(nsLabels, d.getMetadata().getLabels())).toList();
      mdc.put("policy", selecting.stream().map(ActivePolicy::name).collect(Collectors.joining(",")));
      for (ActivePolicy p : policies.active()) {
        Set<ResourceID> set = selectedBy.computeIfAbsent(p.name(), k -> ConcurrentHashMap.newKeySet());
        if (selecting.contains(p)) {
          set.add(id);
        } else {
          set.remove(id);
        }
      }

      CombinedAudit audit = audit(d, key, selecting);
      WorkloadMetadata metadata = WorkloadMetadata.of(audit, currentPreview(d));
      Remediator.Outcome outcome = Remediator.Outcome.NOTHING;
      if (audit.python()) {
        outcome = remediator.remediate(key, d, selecting, metadata);
        // A conflict found now is part of this audit (remediation-conflict).
        audit = audit(d, key, selecting);
        metadata = WorkloadMetadata.of(audit, outcome.preview());
      }
      if (!outcome.applied()) {
        writer.sync(d, audit, metadata); // after an applied fix the rollout's event re-audits
      }
      store.put(ns, name, d.getMetadata().getUid(), audit);
      UpdateControl<Deployment> control = UpdateControl.noUpdate();
      return outcome.deferred() ? control.rescheduleAfter(Duration.ofSeconds(30)) : control;
    } finally {
      if (!initialAuditDone) {
        auditedSinceStart.add(ResourceID.fromResource(d));
      }
      mdc.close();
    }
  }

  /**
   * Whether every Deployment in the cache has been reconciled since start (then stays true).
   * Until then the audit store is partial, and statuses or reports published from it would show
   * wrong counts for a moment and be rewritten: a restart of an unchanged cluster writes nothing.
   */
  public boolean initialAuditDone() {
    if (initialAuditDone) {
      return true;
    }
    IndexerResourceCache<Deployment> cache = deployments;
    if (cache == null || !synced(cache)
        || !cache.list().allMatch(d -> auditedSinceStart.contains(ResourceID.fromResource(d)))) {
      return false;
    }
    initialAuditDone = true;
    auditedSinceStart.clear();
    return true;
  }

  /** Whether the informers behind the cache have listed everything (an empty cache may not). */
  private static boolean synced(IndexerResourceCache<Deployment> cache) {
    if (!(cache instanceof InformerWrappingEventSourceHealthIndicator<?> informers)) {
      return true;
    }
    Map<String, InformerHealthIndicator> each = informers.informerHealthIndicators();
    return !each.isEmpty() && each.values().stream().allMatch(InformerHealthIndicator::hasSynced);
  }

  private CombinedAudit audit(Deployment d, String key, List<ActivePolicy> selecting) {
    WorkloadView view = WorkloadView.of(d,
        new Observations(evidence.terminations(key), remediator.conflicts(key)));
    return CombinedAudit.of(selecting.stream()
        .map(p -> new CombinedAudit.PolicyAudit(p.name(), p.resolved().mode(),
            auditor.audit(view, p.resolved())))
        .toList());
  }

  private static String currentPreview(Deployment d) {
    Map<String, String> a = d.getMetadata().getAnnotations();
    return a == null ? "" : a.getOrDefault(WorkloadMetadata.PREVIEW_ANNOTATION, "");
  }

  /** Whether a Deployment is still in the informer cache (for dropping deleted ones). */
  public boolean exists(String namespace, String name) {
    IndexerResourceCache<Deployment> cache = deployments;
    return cache == null || cache.get(new ResourceID(name, namespace)).isPresent();
  }

  public void forget(String namespace, String name) {
    String key = namespace + "/" + name;
    evidence.forget(key);
    remediator.forget(key);
    writer.forget(key);
    ResourceID id = new ResourceID(name, namespace);
    selectedBy.values().forEach(s -> s.remove(id));
  }
}
