package io.pyhygiene.operator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.operator.evidence.EvidenceStore;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodically turns the audit store into what is published for the cluster: one
 * {@code wgpolicyk8s.io/v1alpha2} PolicyReport per namespace, policy statuses, and the gauges.
 * Writes only what changed (compared without timestamps), only on the leader, and carries on
 * (logging once) when the PolicyReport CRD is not installed.
 */
public final class ReportPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReportPublisher.class);
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  /** Named explicitly, so a missing CRD is a plain 404 rather than a discovery failure. */
  private static final ResourceDefinitionContext POLICY_REPORT = new ResourceDefinitionContext.Builder()
      .withGroup("wgpolicyk8s.io").withVersion("v1alpha2").withKind("PolicyReport")
      .withPlural("policyreports").withNamespaced(true).build();
  /** How long to wait before looking again for a missing PolicyReport CRD. */
  private static final Duration CRD_RECHECK = Duration.ofMinutes(5);

  /** Something that can bring policy statuses up to date. */
  public interface StatusSync {
    void syncAll();
  }

  private final KubernetesClient client;
  private final AuditStore store;
  private final EvidenceStore evidence;
  private final PyhygieneMetrics metrics;
  private final Map<String, RuleInfo> rules;
  private final BiPredicate<String, String> deploymentExists;
  private final DeletionListener onDeleted;
  private final StatusSync statuses;
  private final BooleanSupplier leading;
  private final Duration interval;
  /** Digest of each namespace's last written report (without timestamps): a report can be a MiB. */
  private final Map<String, String> published = new ConcurrentHashMap<>();
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "pyhygiene-reports");
    t.setDaemon(true);
    return t;
  });
  private volatile long reportsUnavailableUntil;

  /** Called for a Deployment that disappeared. */
  public interface DeletionListener {
    void deleted(String namespace, String name);
  }

  public ReportPublisher(KubernetesClient client, AuditStore store, EvidenceStore evidence,
      PyhygieneMetrics metrics, Map<String, RuleInfo> rules,
      BiPredicate<String, String> deploymentExists, DeletionListener onDeleted, StatusSync statuses,
      BooleanSupplier leading, Duration interval) {
    this.client = client;
    this.store = store;
    this.evidence = evidence;
    this.metrics = metrics;
    this.rules = rules;
    this.deploymentExists = deploymentExists;
    this.onDeleted = onDeleted;
    this.statuses = statuses;
    this.leading = leading;
    this.interval = interval;
  }

  public void start() {
    executor.scheduleWithFixedDelay(this::safeFlush, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void safeFlush() {
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.warn("publishing reports failed, will retry: {}", e.toString());
    }
  }

  /** One round: expire evidence, drop deleted Deployments, write what changed, set gauges. */
  public void flush() {
    if (!leading.getAsBoolean() || !store.complete()) {
      return; // not the leader, or not every Deployment audited yet since start
    }
    evidence.expire();
    for (AuditStore.Entry e : store.entries()) {
      if (!deploymentExists.test(e.namespace(), e.name())) {
        store.remove(e.namespace(), e.name());
        onDeleted.deleted(e.namespace(), e.name());
      }
    }
    for (String ns : store.drainDirtyNamespaces()) {
      if (!writeReport(ns)) {
        store.markNamespaceDirty(ns); // retry next round
      }
    }
    store.drainDirtyPolicies();
    statuses.syncAll();
    updateGauges();
  }

  private boolean writeReport(String namespace) {
    if (System.nanoTime() < reportsUnavailableUntil) {
      return true; // no CRD: nothing to do until the next check
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
      String comparable = digest(PolicyReports.comparable(desired));
      String last = published.get(namespace);
      if (last == null) {
        GenericKubernetesResource existing = reports.withName(PolicyReports.NAME).get();
        if (existing != null) {
          last = digest(PolicyReports.comparable(JSON.valueToTree(existing)));
        }
      }
      if (comparable.equals(last)) {
        published.put(namespace, comparable);
        return true;
      }
      reports.resource(JSON.convertValue(desired, GenericKubernetesResource.class))
          .fieldManager("pyhygiene").forceConflicts().serverSideApply();
      published.put(namespace, comparable);
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        LOG.warn("the wgpolicyk8s.io PolicyReport CRD is not installed: PolicyReports are not"
            + " written (install it, e.g. the chart's policyReportCRD.install); checking again in"
            + " {}", CRD_RECHECK);
        reportsUnavailableUntil = System.nanoTime() + CRD_RECHECK.toNanos();
        published.clear();
        return false;
      }
      LOG.warn("could not write the PolicyReport of {}: {}", namespace,
          e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage());
      return false;
    }
  }

  /** SHA-256 of the node with object keys sorted: the API server returns fields in its own order. */
  public static String digest(JsonNode node) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(JSON.writeValueAsBytes(canonical(node))));
    } catch (java.security.NoSuchAlgorithmException | java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      ObjectNode sorted = JSON.createObjectNode();
      java.util.List<String> names = new java.util.ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      java.util.Collections.sort(names);
      for (String name : names) {
        sorted.set(name, canonical(node.get(name)));
      }
      return sorted;
    }
    if (node.isArray()) {
      var array = JSON.createArrayNode();
      node.forEach(n -> array.add(canonical(n)));
      return array;
    }
    if (node.isIntegralNumber()) {
      return JSON.getNodeFactory().numberNode(node.bigIntegerValue());
    }
    return node;
  }

  private void updateGauges() {
    Map<List<String>, Long> workloads = new HashMap<>();
    Map<List<String>, Long> violations = new HashMap<>();
    for (AuditStore.Entry e : store.entries()) {
      CombinedAudit a = e.audit();
      if (!a.python()) {
        continue;
      }
      workloads.merge(List.of(e.namespace(), a.verdict().label()), 1L, Long::sum);
      for (CombinedAudit.AttributedFinding f : a.findings()) {
        Finding finding = f.finding();
        violations.merge(List.of(e.namespace(), finding.rule(), finding.severity().label()), 1L,
            Long::sum);
      }
    }
    metrics.setWorkloads(workloads, violations);
  }

  /** Namespaces whose report was published (for tests and diagnostics). */
  public Set<String> publishedNamespaces() {
    return Set.copyOf(published.keySet());
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
