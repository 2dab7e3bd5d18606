package io.pyhygiene.operator.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.json.Json;
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

  private PolicyReports() {}

  /**
   * Most bytes a report may take: etcd refuses requests over 1.5 MiB by default, and a namespace
   * with hundreds of failing workloads easily exceeds it with full messages.
   */
  public static final int MAX_BYTES = 1024 * 1024;

  public static final String TRUNCATED_ANNOTATION = "pyhygiene.io/truncated";

  /**
   * The report, kept under {@link #MAX_BYTES}: if the full report is too large, messages are
   * shortened, then left out, then the least severe results (pass, then info, then warn) are left
   * out. The summary always counts every result, and an annotation says what was left out (each
   * workload's pyhygiene.io/findings annotation still lists everything).
   */
  public static ObjectNode build(
      String namespace, List<AuditStore.Entry> entries, Map<String, RuleInfo> rules) {
    int budget = MAX_BYTES - 2048; // room for the truncation annotation
    ObjectNode report = build(namespace, entries, rules, Integer.MAX_VALUE);
    for (int limit : new int[] {200, 0}) {
      if (report.toString().length() <= budget) {
        return report;
      }
      report = build(namespace, entries, rules, limit);
    }
    ArrayNode results = (ArrayNode) report.get("results");
    int before = results.size();
    for (String drop : List.of("info", "medium")) {
      if (report.toString().length() <= budget) {
        break;
      }
      // pass results carry severity info; warnings are medium.
      for (int i = results.size() - 1; i >= 0; i--) {
        if (drop.equals(results.get(i).path("severity").asText())) {
          results.remove(i);
        }
      }
    }
    while (report.toString().length() > budget && results.size() > 0) {
      results.remove(results.size() - 1);
    }
    ObjectNode annotations = ((ObjectNode) report.get("metadata")).putObject("annotations");
    annotations.put(
        TRUNCATED_ANNOTATION,
        (before - results.size() > 0
                ? (before - results.size()) + " of " + before + " results and all messages left out"
                : "messages left out")
            + " to stay under "
            + (MAX_BYTES / 1024)
            + " KiB; the summary"
            + " counts everything, and each workload's pyhygiene.io/findings lists its findings");
    return report;
  }

  static ObjectNode build(
      String namespace,
      List<AuditStore.Entry> entries,
      Map<String, RuleInfo> rules,
      int messageLimit) {
    ObjectNode report = Json.MAPPER.createObjectNode();
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
    ArrayNode results = Json.MAPPER.createArrayNode();
    List<AuditStore.Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(AuditStore.Entry::name).thenComparing(e -> e.kind().kind()));
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
        ObjectNode r =
            result(
                results,
                e,
                String.join(",", a.policyNames()),
                "pyhygiene",
                "pass",
                "info",
                shorten("no findings", messageLimit));
        r.put("category", "all");
        summary.merge("pass", 1, Integer::sum);
        continue;
      }
      for (Map.Entry<String, List<CombinedAudit.AttributedFinding>> byR : byRule.entrySet()) {
        List<CombinedAudit.AttributedFinding> fs = byR.getValue();
        Severity worst =
            fs.stream()
                .map(f -> f.finding().severity())
                .min(Comparator.naturalOrder())
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
          messages.add(
              (finding.container().isEmpty() ? "" : finding.container() + ": ")
                  + finding.message());
        }
        String outcome =
            switch (worst) {
              case ERROR -> "fail";
              case WARNING -> "warn";
              case INFO -> "pass";
            };
        ObjectNode r =
            result(
                results,
                e,
                String.join(",", policies),
                byR.getKey(),
                outcome,
                switch (worst) {
                  case ERROR -> "high";
                  case WARNING -> "medium";
                  case INFO -> "info";
                },
                shorten(String.join(" ", messages), messageLimit));
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

  private static String shorten(String message, int limit) {
    if (message.length() <= limit) {
      return message;
    }
    return limit <= 3 ? "" : message.substring(0, limit - 3) + "...";
  }

  private static ObjectNode result(
      ArrayNode results,
      AuditStore.Entry e,
      String policy,
      String rule,
      String outcome,
      String severity,
      String message) {
    ObjectNode r = results.addObject();
    r.put("policy", policy);
    r.put("rule", rule);
    r.put("result", outcome);
    r.put("severity", severity);
    if (!message.isEmpty()) {
      r.put("message", message);
    }
    r.put("source", "pyhygiene");
    r.put("scored", true);
    ObjectNode ts = r.putObject("timestamp");
    ts.put("seconds", e.changedAt().getEpochSecond());
    ts.put("nanos", 0);
    ObjectNode res = r.putArray("resources").addObject();
    res.put("apiVersion", e.kind().apiVersion());
    res.put("kind", e.kind().kind());
    res.put("name", e.name());
    res.put("namespace", e.namespace());
    if (e.uid() != null) {
      res.put("uid", e.uid());
    }
    return r;
  }

  /** The report without timestamps, for deciding whether a write is needed. */
  public static ObjectNode comparable(ObjectNode report) {
    ObjectNode copy = Json.MAPPER.createObjectNode();
    copy.set("summary", report.get("summary"));
    ArrayNode results = copy.putArray("results");
    if (report.get("results") != null) {
      report
          .get("results")
          .forEach(
              r -> {
                ObjectNode c = ((ObjectNode) r).deepCopy();
                c.remove("timestamp");
                results.add(c);
              });
    }
    return copy;
  }
}
