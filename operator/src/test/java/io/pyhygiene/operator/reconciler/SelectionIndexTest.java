package io.pyhygiene.operator.reconciler;

import static io.pyhygiene.operator.reconciler.Policies.deployment;
import static io.pyhygiene.operator.reconciler.Policies.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.WorkloadKind;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SelectionIndexTest {

  final ClusterCache cache = mock(ClusterCache.class);
  final PolicyCatalog catalog = new PolicyCatalog(new PolicyResolver(RuleCatalog.all()));
  final SelectionIndex index = new SelectionIndex(catalog, cache);
  final Deployment payments = deployment("shop", "payments", Map.of("team", "payments"));
  final Deployment search = deployment("shop", "search", Map.of("team", "search"));
  final WorkloadId paymentsId = WorkloadId.of(payments);
  final WorkloadId searchId = WorkloadId.of(search);

  static PythonHygienePolicy team(String team, long generation) {
    return policy("team", generation, "selector: {matchLabels: {team: " + team + "}}");
  }

  @BeforeEach
  void cluster() {
    when(cache.workloads(WorkloadKind.DEPLOYMENT))
        .thenAnswer(inv -> List.of(payments, search).stream());
    when(cache.namespaceLabels(anyString())).thenReturn(Map.of());
  }

  Set<WorkloadId> affected(PythonHygienePolicy p) {
    return index.affectedBy(WorkloadKind.DEPLOYMENT, p).stream()
        .map(
            r ->
                new WorkloadId(
                    WorkloadKind.DEPLOYMENT, r.getNamespace().orElseThrow(), r.getName()))
        .collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void aPolicyEventReauditsWhatItSelectedBeforeAndWhatItSelectsNow() {
    PythonHygienePolicy before = team("payments", 1);
    assertThat(affected(before)).containsExactly(paymentsId);
    index.record(paymentsId, List.of(catalog.resolve(before)));
    index.record(searchId, List.of());

    // the selector moves to the other team: payments must lose pyhygiene's metadata
    assertThat(affected(team("search", 2))).containsExactlyInAnyOrder(paymentsId, searchId);

    // once payments was re-audited without the policy, it is no longer the policy's business
    index.record(paymentsId, List.of());
    index.record(searchId, List.of(catalog.resolve(team("search", 2))));
    assertThat(affected(team("search", 2))).containsExactly(searchId);
    assertThat(index.selectedBy("team")).containsExactly(searchId);
  }

  @Test
  void aDeletedPolicyStillMapsToWhatItSelected() {
    index.record(paymentsId, List.of(catalog.resolve(team("payments", 1))));
    when(cache.workloads(WorkloadKind.DEPLOYMENT))
        .thenAnswer(inv -> java.util.stream.Stream.empty());
    assertThat(affected(team("payments", 1))).containsExactly(paymentsId);
  }

  @Test
  void forgetsADeletedDeployment() {
    index.record(paymentsId, List.of(catalog.resolve(team("payments", 1))));
    index.forget(paymentsId);
    assertThat(index.selectedBy("team")).isEmpty();
  }

  @Test
  void namespaceSelectorsReadTheNamespaceLabels() {
    PythonHygienePolicy prod = policy("prod", 1, "namespaceSelector: {matchLabels: {env: prod}}");
    assertThat(affected(prod)).isEmpty();
    when(cache.namespaceLabels("shop")).thenReturn(Map.of("env", "prod"));
    assertThat(affected(prod)).containsExactlyInAnyOrder(paymentsId, searchId);
  }
}
