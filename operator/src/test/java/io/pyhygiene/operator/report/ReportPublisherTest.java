package io.pyhygiene.operator.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.RETURNS_DEEP_STUBS;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.PolicyMode;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.WorkloadKind;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Publishing writes only what changed: the report of a namespace whose audits changed, the status
 * of a policy whose counts may have changed, the gauges when anything did. The API client and the
 * status writer are mocks; what is counted is which of them is asked.
 */
class ReportPublisherTest {

  static final WorkloadId API = new WorkloadId(WorkloadKind.DEPLOYMENT, "shop", "api");

  final KubernetesClient client = mock(KubernetesClient.class);
  final AuditStore store = new AuditStore(Clock.systemUTC());
  final PolicyCatalog policies = new PolicyCatalog(new PolicyResolver(RuleCatalog.all()));
  final PolicyStatusWriter statuses = mock(PolicyStatusWriter.class);
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ReportPublisher publisher =
      new ReportPublisher(
          client, store, policies, statuses, new PyhygieneMetrics(registry), Map.of());
  final PythonHygienePolicy a = policy("a");
  final PythonHygienePolicy b = policy("b");

  /** The PolicyReport API: no report there yet, and every apply accepted. */
  @SuppressWarnings("unchecked")
  ReportPublisherTest() {
    policies.attach(() -> Stream.of(a, b));
    MixedOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        reports = mock(MixedOperation.class);
    NonNamespaceOperation<
            GenericKubernetesResource,
            GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>>
        inNamespace = mock(NonNamespaceOperation.class);
    when(client.genericKubernetesResources(any(ResourceDefinitionContext.class)))
        .thenReturn(reports);
    when(reports.inNamespace(anyString())).thenReturn(inNamespace);
    when(inNamespace.withName(anyString())).thenReturn(mock(Resource.class));
    when(inNamespace.resource(any())).thenReturn(mock(Resource.class, RETURNS_DEEP_STUBS));
  }

  static PythonHygienePolicy policy(String name) {
    PythonHygienePolicy p = new PythonHygienePolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setUid("uid-" + name);
    p.getMetadata().setGeneration(1L);
    return p;
  }

  static CombinedAudit audit(String policy, Verdict verdict) {
    List<Finding> findings =
        verdict == Verdict.PASS
            ? List.of()
            : List.of(
                new Finding(
                    "run-as-root", Severity.ERROR, "app", "runs as root", "Set runAsNonRoot."));
    return CombinedAudit.of(
        List.of(
            new CombinedAudit.PolicyAudit(
                policy,
                PolicyMode.Audit,
                new WorkloadAudit(
                    "Deployment", "shop", "api", true, verdict, findings, List.of()))));
  }

  int reportRequests() {
    return (int)
        org.mockito.Mockito.mockingDetails(client).getInvocations().stream()
            .filter(i -> i.getMethod().getName().equals("genericKubernetesResources"))
            .count();
  }

  double workloads(String verdict) {
    var g =
        registry
            .find("pyhygiene.workloads")
            .tag("namespace", "shop")
            .tag("verdict", verdict)
            .gauge();
    return g == null ? 0 : g.value();
  }

  @Test
  void writesOnlyWhatChanged() {
    store.put(API, "u1", audit("a", Verdict.FAIL));
    publisher.publish();
    verify(statuses).sync(any(), any()); // a's
    verify(statuses, never()).sync(org.mockito.ArgumentMatchers.eq(b), any());
    assertThat(reportRequests()).isEqualTo(1);
    assertThat(workloads("fail")).isEqualTo(1);

    clearInvocations(client, statuses);
    store.put(API, "u1", audit("a", Verdict.FAIL)); // re-audited, unchanged
    publisher.publish();
    verifyNoInteractions(statuses);
    assertThat(reportRequests()).isZero();

    store.put(API, "u1", audit("a", Verdict.PASS));
    publisher.publish();
    verify(statuses, times(1)).sync(org.mockito.ArgumentMatchers.eq(a), any());
    assertThat(reportRequests()).isEqualTo(1);
    assertThat(workloads("pass")).isEqualTo(1);
    assertThat(workloads("fail")).isZero();
  }

  @Test
  void aDeploymentMovingToAnotherPolicyDirtiesBoth() {
    store.put(API, "u1", audit("a", Verdict.FAIL));
    publisher.publish();
    clearInvocations(statuses);

    store.put(API, "u1", audit("b", Verdict.FAIL));
    publisher.publish();
    verify(statuses).sync(org.mockito.ArgumentMatchers.eq(a), any());
    verify(statuses).sync(org.mockito.ArgumentMatchers.eq(b), any());
  }

  @Test
  void aPolicyMarkedDirtyByItsWriterIsTriedAgain() {
    store.markPolicyDirty("b"); // what PolicyStatusWriter does when a write failed
    publisher.publish();
    verify(statuses).sync(org.mockito.ArgumentMatchers.eq(b), any());
    verify(client, never()).genericKubernetesResources(any(ResourceDefinitionContext.class));
  }
}
