package io.pyhygiene.operator.audit;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadView;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which policies select a Deployment, and its audit under all of them: one assembly for the
 * reconciler and the admission webhook, so a Deployment admitted with a verdict is reconciled to
 * the same verdict.
 */
public final class WorkloadAuditor {

  private final Auditor auditor;
  private final Supplier<List<ActivePolicy>> policies;
  private final Function<String, Map<String, String>> namespaceLabels;

  /**
   * @param auditor the engine
   * @param policies the policies in the cluster, resolved (a {@link PolicyCatalog}'s {@code
   *     active})
   * @param namespaceLabels a namespace's labels by its name (empty when unknown)
   */
  public WorkloadAuditor(Auditor auditor, Supplier<List<ActivePolicy>> policies,
      Function<String, Map<String, String>> namespaceLabels) {
    this.auditor = auditor;
    this.policies = policies;
    this.namespaceLabels = namespaceLabels;
  }

  /** The valid policies selecting a Deployment with these labels in this namespace, by name. */
  public List<ActivePolicy> selecting(String namespace, Map<String, String> labels) {
    Map<String, String> ns = namespace == null ? Map.of() : namespaceLabels.apply(namespace);
    Map<String, String> own = labels == null ? Map.of() : labels;
    return policies.get().stream().filter(p -> p.selects(ns, own)).toList();
  }

  /** The policies selecting this Deployment. */
  public List<ActivePolicy> selecting(Deployment d) {
    return selecting(d.getMetadata().getNamespace(), d.getMetadata().getLabels());
  }

  /** The Deployment's audit under each selecting policy, combined. */
  public CombinedAudit audit(Deployment d, Observations observations,
      List<ActivePolicy> selecting) {
    WorkloadView view = WorkloadView.of(d, observations);
    return CombinedAudit.of(selecting.stream()
        .map(p -> new CombinedAudit.PolicyAudit(p.name(), p.resolved().mode(),
            auditor.audit(view, p.resolved())))
        .toList());
  }
}
