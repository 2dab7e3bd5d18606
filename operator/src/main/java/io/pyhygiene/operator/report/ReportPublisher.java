package io.pyhygiene.operator.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.json.CanonicalJson;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.operator.writer.WorkloadWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what changed in the audit store: the {@code wgpolicyk8s.io/v1alpha2} PolicyReport of
 * each dirty namespace, the status of each dirty policy, and the gauges once anything changed.
 * Writes only what differs from what is there (compared without timestamps), and carries on
 * (logging once) when the PolicyReport CRD is not installed. Called on the leader, once the store
 * is complete.
 */
public final class ReportPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(ReportPublisher.class);

  /** Named explicitly, so a missing CRD is a plain 404 rather than a discovery failure. */
  private static final ResourceDefinitionContext POLICY_REPORT =
      new ResourceDefinitionContext.Builder()
          .withGroup("wgpolicyk8s.io")
          .withVersion("v1alpha2")
          .withKind("PolicyReport")
          .withPlural("policyreports")
          .withNamespaced(true)
          .build();

  /** How long to wait before looking again for a missing PolicyReport CRD. */
  private static final Duration CRD_RECHECK = Duration.ofMinutes(5);

  private final KubernetesClient client;
  private final AuditStore store;
  private final PolicyCatalog policies;
  private final PolicyStatusWriter statuses;
  private final PyhygieneMetrics metrics;
  private final Map<String, RuleInfo> rules;

  /** Digest of each namespace's last written report (without timestamps): a report can be a MiB. */
  private final Map<String, String> published = new ConcurrentHashMap<>();

  private volatile long reportsUnavailableUntil;
  private long gaugesAt = -1;

  public ReportPublisher(
      KubernetesClient client,
      AuditStore store,
      PolicyCatalog policies,
      PolicyStatusWriter statuses,
      PyhygieneMetrics metrics,
      Map<String, RuleInfo> rules) {
    this.client = client;
    this.store = store;
    this.policies = policies;
    this.statuses = statuses;
    this.metrics = metrics;
    this.rules = rules;
  }

  /** One round: reports of dirty namespaces, statuses of dirty policies, gauges if changed. */
  public synchronized void publish() {
    long changes = store.changes();
    for (String ns : store.drainDirtyNamespaces()) {
      if (!writeReport(ns)) {
        store.markNamespaceDirty(ns); // retry next round
      }
    }
    Set<String> dirty = store.drainDirtyPolicies();
    if (!dirty.isEmpty()) {
      for (PythonHygienePolicy p : policies.policies()) {
        if (dirty.contains(p.getMetadata().getName())) {
          statuses.sync(p, policies.resolve(p)); // marks it dirty again when it cannot write
        }
      }
    }
    if (changes != gaugesAt) {
      updateGauges();
      gaugesAt = changes;
    }
  }

  /** Returns false when the namespace must be tried again. */
  private boolean writeReport(String namespace) {
    if (System.nanoTime() < reportsUnavailableUntil) {
      return false; // no CRD: written once it is installed (looked for again after a while)
    }
    List<AuditStore.Entry> entries = store.inNamespace(namespace);
    boolean any = entries.stream().anyMatch(e -> e.audit().python());
    var reports = client.genericKubernetesResources(POLICY_REPORT).inNamespace(namespace);
    try {
      if (!any) {
        if (published.remove(namespace) != null
            || reports.withName(PolicyReports.NAME).get() != null) {
          reports.withName(PolicyReports.NAME).delete();
        }
        return true;
      }
      ObjectNode desired = PolicyReports.build(namespace, entries, rules);
      String comparable = CanonicalJson.digest(PolicyReports.comparable(desired));
      String last = published.get(namespace);
      if (last == null) {
        GenericKubernetesResource existing = reports.withName(PolicyReports.NAME).get();
        if (existing != null) {
          last = CanonicalJson.digest(PolicyReports.comparable(Json.MAPPER.valueToTree(existing)));
        }
      }
      if (comparable.equals(last)) {
        published.put(namespace, comparable);
        return true;
      }
      reports
          .resource(Json.MAPPER.convertValue(desired, GenericKubernetesResource.class))
          .fieldManager(WorkloadWriter.FIELD_MANAGER)
          .forceConflicts()
          .serverSideApply();
      published.put(namespace, comparable);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        LOG.warn(
            "the wgpolicyk8s.io PolicyReport CRD is not installed: PolicyReports are not"
                + " written (install it, e.g. the chart's policyReportCRD.install); checking again in"
                + " {}",
            CRD_RECHECK);
        reportsUnavailableUntil = System.nanoTime() + CRD_RECHECK.toNanos();
        published.clear();
        return false;
      }
      LOG.warn(
          "could not write the PolicyReport of {}: {}",
          namespace,
          e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage());
      return false;
    }
  }

  private void updateGauges() {
    Map<List<String>, Long> workloads = new HashMap<>();
    Map<List<String>, Long> violations = new HashMap<>();
    for (AuditStore.Entry e : store.entries()) {
      CombinedAudit a = e.audit();
      if (!a.python()) {
        continue;
      }
      workloads.merge(List.of(e.namespace(), e.kind().kind(), a.verdict().label()), 1L, Long::sum);
      for (CombinedAudit.AttributedFinding f : a.findings()) {
        Finding finding = f.finding();
        violations.merge(
            List.of(e.namespace(), e.kind().kind(), finding.rule(), finding.severity().label()),
            1L,
            Long::sum);
      }
    }
    metrics.setWorkloads(workloads, violations);
  }
}
