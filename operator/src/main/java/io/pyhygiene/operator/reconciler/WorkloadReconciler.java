package io.pyhygiene.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.evidence.PodEvidence;
import io.pyhygiene.operator.images.WorkloadImages;
import io.pyhygiene.operator.remediation.RemediationState;
import io.pyhygiene.operator.remediation.Remediator;
import io.pyhygiene.operator.report.AuditStore;
import io.pyhygiene.operator.writer.WorkloadMetadata;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.Observations.RemediationConflict;
import io.pyhygiene.workload.Ownership;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Keeps every workload of one kind audited: selects the policies, audits with the runtime evidence
 * and the remediation state, remediates when a policy asks for it, writes the metadata. One engine
 * path for every kind (a pod template and its owner); JOSDK allows one reconciler per primary type
 * and reads it from the class, so each kind is an anonymous subclass that names its type ({@link
 * WorkloadReconcilers}). It only sequences; the index, the initial sync, the evidence mapping and
 * the remediation are named classes, and the decisions are the engine's.
 *
 * <p>Not generation-aware: labels and annotations (opt-out, exemptions) change without a new
 * generation and must re-audit; writes happen only when something changed. Objects audited through
 * their owner (a Deployment's ReplicaSets, a CronJob's Jobs, a controller's Pods) are filtered out
 * before they reach {@link #reconcile}.
 *
 * @param <T> the fabric8 type of the kind
 */
public abstract class WorkloadReconciler<T extends HasMetadata> implements Reconciler<T> {

  /** Sources of events and facts besides the workloads themselves. */
  public record Collaborators(
      PolicyCatalog policies,
      WorkloadAuditor workloads,
      ClusterCache cache,
      SelectionIndex index,
      InitialSync initialSync,
      PodEvidence podEvidence,
      EvidenceStore evidence,
      WorkloadImages images,
      SharedWatches watches) {}

  /** What every kind's reconciler shares. */
  public record Wiring(
      Collaborators collaborators,
      AuditStore store,
      WorkloadWriter writer,
      Remediator remediator) {}

  private final WorkloadKind kind;
  private final Class<T> type;
  private final String podLabel;
  private final Collaborators c;
  private final AuditStore store;
  private final WorkloadWriter writer;
  private final Remediator remediator;

  /**
   * @param podLabel the label every pod of the kind carries, for the informer that reads their
   *     terminations; null when the kind's pods are not watched (a bare Pod is its own primary)
   */
  protected WorkloadReconciler(WorkloadKind kind, Class<T> type, String podLabel, Wiring w) {
    this.kind = kind;
    this.type = type;
    this.podLabel = podLabel;
    this.c = w.collaborators();
    this.store = w.store();
    this.writer = w.writer();
    this.remediator = w.remediator();
  }

  public WorkloadKind kind() {
    return kind;
  }

  /**
   * What the informer cache keeps of each object of the kind ({@link Pruning#primary}): an object
   * audited through its owner keeps only its identity and owners (a Pod also its evidence).
   */
  public UnaryOperator<T> pruning() {
    return Pruning::primary;
  }

  @Override
  public List<EventSource<?, T>> prepareEventSources(EventSourceContext<T> ctx) {
    // Policies, Namespaces and Pods come from informers every kind shares (SharedWatches).
    SharedWatches watches = c.watches();
    List<EventSource<?, T>> sources = new ArrayList<>();
    sources.add(watches.policyEvents(p -> c.index().affectedBy(kind, p)));
    sources.add(
        watches.namespaceEvents(
            ns ->
                c.cache()
                    .workloadsIn(kind, ns.getMetadata().getName())
                    .map(ResourceID::fromResource)
                    .collect(Collectors.toSet())));
    if (podLabel != null) {
      sources.add(watches.podEvents(podLabel, p -> c.podEvidence().record(kind, p)));
    }
    // re-audits when an image's config is read or its tag moved
    sources.add(c.images().<T>reaudits(kind));
    c.cache().attach(kind, ctx.getPrimaryCache());
    return sources;
  }

  @Override
  public UpdateControl<T> reconcile(T d, Context<T> context) {
    WorkloadId id = WorkloadId.of(d);
    try (ReconcileMdc mdc =
        ReconcileMdc.open()
            .put("namespace", d.getMetadata().getNamespace())
            .put("kind", kind.kind())
            .put("name", d.getMetadata().getName())) {
      if (Ownership.auditedThroughOwner(d) || writer.predatesOwnWrite(d)) {
        // Audited through its owner; or queued by an event that came in during our own write:
        // the watch event of that write re-runs this with the written object.
        return UpdateControl.noUpdate();
      }
      if (d instanceof Pod pod) {
        c.podEvidence().record(id, pod); // a bare Pod's own terminations
      }
      List<ActivePolicy> selecting = c.workloads().selecting(d);
      mdc.put(
          "policy", selecting.stream().map(ActivePolicy::name).collect(Collectors.joining(",")));
      c.index().record(id, selecting);

      RemediationState before = RemediationState.of(d);
      CombinedAudit audit = audit(d, id, selecting, before.conflicts());
      Remediator.Outcome outcome =
          audit.python()
              ? remediator.remediate(d, selecting, audit)
              : new Remediator.Outcome(false, false, RemediationState.NONE);
      if (!outcome.state().conflicts().equals(before.conflicts())) {
        audit = audit(d, id, selecting, outcome.state().conflicts()); // remediation-conflict
      }
      if (!outcome.applied()) { // an applied fix carried the metadata; its rollout re-audits
        writer.sync(d, audit, WorkloadMetadata.of(audit, outcome.state().annotations()));
      }
      store.put(id, d.getMetadata().getUid(), audit);
      return outcome.deferred()
          ? UpdateControl.<T>noUpdate().rescheduleAfter(Duration.ofSeconds(30))
          : UpdateControl.noUpdate();
    } finally {
      c.initialSync().reconciled(id);
    }
  }

  private CombinedAudit audit(
      T d, WorkloadId id, List<ActivePolicy> selecting, List<RemediationConflict> conflicts) {
    return c.workloads()
        .audit(d, new Observations(c.evidence().terminations(id.key()), conflicts), selecting);
  }
}
