package io.pyhygiene.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds the {@code wgpolicyk8s.io/v1alpha2} PolicyReport of a namespace (the format Policy
 * Reporter and Kyverno use): one result per (workload, rule) that fired, one {@code pass} result
 * per passing workload, and the summary of those results. Pure.
 */
public final class PolicyReports {

  public static final String API_VERSION = "wgpolicyk8s.io/v1alpha2";
  public static final String NAME = "pyhygiene";
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private PolicyReports() {}

  public static ObjectNode build(String namespace, List<AuditStore.Entry> entries,
      Map<String, RuleInfo> rules) {
    ObjectNode report = JSON.createObjectNode();
    report.put("apiVersion", API_VERSION);
    report.put("kind", "PolicyReport");
    ObjectNode meta = report.putObject("metadata");
    meta.put("name", NAME);
    meta.put("namespace", namespace);
    meta.putObject("labels").put("app.kubernetes.io/managed-by", "pyhygiene");
    Map<String, Integer> summary = new LinkedHashMap<>();
    for (String k : List.of("pass", "fail", "warn", "error", "skip")) {
      summary.put(k, 0);
    }
    ArrayNode results = JSON.createArrayNode();
    List<AuditStore.Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(AuditStore.Entry::name));
    for (AuditStore.Entry e : sorted) {
      CombinedAudit a = e.audit();
      if (!a.python()) {
        continue;
      }
      Map<String, List<CombinedAudit.AttributedFinding>> byRule = new LinkedHashMap<>();
      for (CombinedAudit.AttributedFinding f : a.findings()) {
        byRule.computeIfAbsent(f.finding().rule(), r -> new ArrayList<>()).add(f);
      }
      if (byRule.isEmpty()) {
        ObjectNode r = result(results, e, String.join(",", a.policyNames()), "pyhygiene", "pass",
            "info", "no findings");
        r.put("category", "all");
        summary.merge("pass", 1, Integer::sum);
        continue;
      }
      for (Map.Entry<String, List<CombinedAudit.AttributedFinding>> byR : byRule.entrySet()) {
        List<CombinedAudit.AttributedFinding> fs = byR.getValue();
        Severity worst = fs.stream().map(f -> f.finding().severity()).min(Comparator.naturalOrder())
            .orElse(Severity.INFO);
        TreeSet<String> policies = new TreeSet<>();
        TreeSet<String> containers = new TreeSet<>();
        List<String> messages = new ArrayList<>();
        for (CombinedAudit.AttributedFinding f : fs) {
          policies.addAll(f.policies());
          Finding finding = f.finding();
          if (!finding.container().isEmpty()) {
            containers.add(finding.container());
          }
          messages.add((finding.container().isEmpty() ? "" : finding.container() + ": ")
              + finding.message());
        }
        String outcome = switch (worst) {
          case ERROR -> "fail";
          case WARNING -> "warn";
          case INFO -> "pass";
        };
        ObjectNode r = result(results, e, String.join(",", policies), byR.getKey(), outcome,
            switch (worst) {
              case ERROR -> "high";
              case WARNING -> "medium";
              case INFO -> "info";
            }, String.join(" ", messages));
        RuleInfo info = rules.get(byR.getKey());
        r.put("category", info == null ? "" : info.category().label());
        if (!containers.isEmpty()) {
          r.putObject("properties").put("containers", String.join(",", containers));
        }
        summary.merge(outcome, 1, Integer::sum);
      }
    }
    ObjectNode s = report.putObject("summary");
    summary.forEach(s::put);
    report.set("results", results);
    return report;
  }

  private static ObjectNode result(ArrayNode results, AuditStore.Entry e, String policy,
      String rule, String outcome, String severity, String message) {
    ObjectNode r = results.addObject();
    r.put("policy", policy);
    r.put("rule", rule);
    r.put("result", outcome);
    r.put("severity", severity);
    r.put("message", message);
    r.put("source", "pyhygiene");
    r.put("scored", true);
    ObjectNode ts = r.putObject("timestamp");
    ts.put("seconds", e.changedAt().getEpochSecond());
    ts.put("nanos", 0);
    ObjectNode res = r.putArray("resources").addObject();
    res.put("apiVersion", "apps/v1");
    res.put("kind", "Deployment");
    res.put("name", e.name());
    res.put("namespace", e.namespace());
    if (e.uid() != null) {
      res.put("uid", e.uid());
    }
    return r;
  }

  /** The report without timestamps, for deciding whether a write is needed. */
  public static ObjectNode comparable(ObjectNode report) {
    ObjectNode copy = JSON.createObjectNode();
    copy.set("summary", report.get("summary"));
    ArrayNode results = copy.putArray("results");
    if (report.get("results") != null) {
      report.get("results").forEach(r -> {
        ObjectNode c = ((ObjectNode) r).deepCopy();
        c.remove("timestamp");
        results.add(c);
      });
    }
    return copy;
  }
}
