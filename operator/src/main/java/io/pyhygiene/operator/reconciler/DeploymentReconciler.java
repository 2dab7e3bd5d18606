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
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.evidence.PodEvidence;
import io.pyhygiene.operator.evidence.PodTerminations;
import io.pyhygiene.operator.images.WorkloadImages;
import io.pyhygiene.operator.remediation.RemediationState;
import io.pyhygiene.operator.remediation.Remediator;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.operator.writer.DeploymentWriter;
import io.pyhygiene.operator.writer.WorkloadMetadata;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.Observations.RemediationConflict;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Keeps every Deployment audited: selects the policies, audits with the runtime evidence and the
 * remediation state, remediates when a policy asks for it, writes the metadata. It only
 * sequences; the index, the initial sync, the evidence mapping and the remediation are named
 * classes, and the decisions are the engine's.
 *
 * <p>Not generation-aware: labels and annotations (opt-out, exemptions) change without a new
 * generation and must re-audit; writes happen only when something changed.
 */
@ControllerConfiguration(name = "deployments", generationAwareEventProcessing = false)
public final class DeploymentReconciler implements Reconciler<Deployment> {

  /** Sources of events and facts besides the Deployments themselves. */
  public record Collaborators(PolicyCatalog policies, WorkloadAuditor workloads,
      ClusterCache cache, SelectionIndex index, InitialSync initialSync, PodEvidence podEvidence,
      EvidenceStore evidence, WorkloadImages images) {}

  private final Collaborators c;
  private final AuditStore store;
  private final DeploymentWriter writer;
  private final Remediator remediator;

  public DeploymentReconciler(Collaborators collaborators, AuditStore store,
      DeploymentWriter writer, Remediator remediator) {
    this.c = collaborators;
    this.store = store;
    this.writer = writer;
    this.remediator = remediator;
  }

  @Override
  public List<EventSource<?, Deployment>> prepareEventSources(EventSourceContext<Deployment> ctx) {
    InformerEventSource<PythonHygienePolicy, Deployment> policies = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PythonHygienePolicy.class, Deployment.class)
            .withName("policies")
            .withSecondaryToPrimaryMapper(c.index()::affectedBy)
            .build(), ctx);
    InformerEventSource<Namespace, Deployment> namespaces = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Namespace.class, Deployment.class)
            .withName("namespaces")
            .withOnUpdateFilter((n, old) -> !Objects.equals(n.getMetadata().getLabels(),
                old.getMetadata().getLabels()))
            .withSecondaryToPrimaryMapper(ns -> c.cache().deploymentsIn(ns.getMetadata().getName())
                .map(ResourceID::fromResource).collect(Collectors.toSet()))
            .build(), ctx);
    InformerEventSource<Pod, Deployment> pods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, Deployment.class)
            .withName("pods")
            .withNamespacesInheritedFromController()
            .withLabelSelector(PodTerminations.TEMPLATE_HASH_LABEL)
            .withItemStore(new PruningItemStore<>(Pruning::pod))
            .withSecondaryToPrimaryMapper(c.podEvidence()::record)
            .build(), ctx);
    c.policies().attach(policies::list);
    c.cache().attach(ctx.getPrimaryCache(), namespaces);
    return List.of(policies, namespaces, pods, c.images().reaudits());
  }

  @Override
  public UpdateControl<Deployment> reconcile(Deployment d, Context<Deployment> context) {
    ResourceID id = ResourceID.fromResource(d);
    String key = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
    try (ReconcileMdc mdc = ReconcileMdc.open().put("namespace", d.getMetadata().getNamespace())
        .put("name", d.getMetadata().getName())) {
      if (writer.predatesOwnWrite(d)) {
        // Queued by an event that came in during our own write: the watch event of that write
        // re-runs this with the written object. The audit store already holds this audit.
        return UpdateControl.noUpdate();
      }
      List<ActivePolicy> selecting = c.workloads().selecting(d);
      mdc.put("policy", selecting.stream().map(ActivePolicy::name).collect(Collectors.joining(",")));
      c.index().record(id, selecting);

      RemediationState before = RemediationState.of(d);
      CombinedAudit audit = audit(d, key, selecting, before.conflicts());
      Remediator.Outcome outcome = audit.python()
          ? remediator.remediate(d, selecting, audit)
          : new Remediator.Outcome(false, false, RemediationState.NONE);
      if (!outcome.state().conflicts().equals(before.conflicts())) {
        audit = audit(d, key, selecting, outcome.state().conflicts()); // remediation-conflict
      }
      if (!outcome.applied()) { // an applied fix carried the metadata; its rollout re-audits
        writer.sync(d, audit, WorkloadMetadata.of(audit, outcome.state().annotations()));
      }
      store.put(d.getMetadata().getNamespace(), d.getMetadata().getName(),
          d.getMetadata().getUid(), audit);
      return outcome.deferred()
          ? UpdateControl.<Deployment>noUpdate().rescheduleAfter(Duration.ofSeconds(30))
          : UpdateControl.noUpdate();
    } finally {
      c.initialSync().reconciled(id);
    }
  }

  private CombinedAudit audit(Deployment d, String key, List<ActivePolicy> selecting,
      List<RemediationConflict> conflicts) {
    return c.workloads().audit(d,
        new Observations(c.evidence().terminations(key), conflicts), selecting);
  }
}
