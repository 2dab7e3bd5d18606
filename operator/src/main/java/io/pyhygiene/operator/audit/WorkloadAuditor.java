package io.pyhygiene.operator.audit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadContext;
import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.WorkloadView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which policies select a workload (of any audited kind), and its audit under all of them: one
 * assembly for the reconcilers and the admission webhook, so a workload admitted with a verdict is
 * reconciled to the same verdict.
 */
public final class WorkloadAuditor {

  private final Auditor auditor;
  private final Supplier<List<ActivePolicy>> policies;
  private final Function<String, Map<String, String>> namespaceLabels;
  private final ImageLookup images;

  /**
   * @param auditor the engine
   * @param policies the policies in the cluster, resolved (a {@link PolicyCatalog}'s {@code
   *     active})
   * @param namespaceLabels a namespace's labels by its name (empty when unknown)
   */
  public WorkloadAuditor(
      Auditor auditor,
      Supplier<List<ActivePolicy>> policies,
      Function<String, Map<String, String>> namespaceLabels) {
    this(auditor, policies, namespaceLabels, ImageLookup.NONE);
  }

  /**
   * @param images the image facts for policies with {@code images.resolve: true}
   */
  public WorkloadAuditor(
      Auditor auditor,
      Supplier<List<ActivePolicy>> policies,
      Function<String, Map<String, String>> namespaceLabels,
      ImageLookup images) {
    this.auditor = auditor;
    this.policies = policies;
    this.namespaceLabels = namespaceLabels;
    this.images = images;
  }

  /**
   * The valid policies selecting a workload of this kind with these labels in this namespace, by
   * name: a policy selects by namespace and labels, among the kinds its {@code kinds} lists.
   */
  public List<ActivePolicy> selecting(
      WorkloadKind kind, String namespace, Map<String, String> labels) {
    Map<String, String> ns = namespace == null ? Map.of() : namespaceLabels.apply(namespace);
    Map<String, String> own = labels == null ? Map.of() : labels;
    return policies.get().stream()
        .filter(p -> p.resolved().kinds().contains(kind) && p.selects(ns, own))
        .toList();
  }

  /** The policies selecting this workload. */
  public List<ActivePolicy> selecting(HasMetadata d) {
    return selecting(
        WorkloadId.kindOf(d), d.getMetadata().getNamespace(), d.getMetadata().getLabels());
  }

  /** The workload's audit under each selecting policy, combined. */
  public CombinedAudit audit(
      HasMetadata d, Observations observations, List<ActivePolicy> selecting) {
    // one view per distinct images setting: policies that resolve images see their configs
    Map<AuditPolicy.Images, WorkloadView> views = new HashMap<>();
    WorkloadContext context = WorkloadContext.NONE.withObservations(observations);
    return CombinedAudit.of(
        selecting.stream()
            .map(
                p ->
                    new CombinedAudit.PolicyAudit(
                        p.name(),
                        p.resolved().mode(),
                        auditor.audit(
                            views.computeIfAbsent(
                                p.resolved().images(),
                                i ->
                                    WorkloadView.of(
                                            d,
                                            context.withImages(
                                                i.resolve() ? images.facts(d, i) : Map.of()))
                                        .orElseThrow(
                                            () ->
                                                new IllegalArgumentException(
                                                    "not an audited kind: " + d.getKind()))),
                            p.resolved())))
            .toList());
  }
}
