package io.pyhygiene.cli;

import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.WorkloadAudit;
import java.util.LinkedHashSet;
import java.util.Set;

/** The {@code -o table} report: one line per workload, for dashboards of CI logs and the demo. */
public final class TableReport {

  private TableReport() {}

  public static String render(AuditRun run) {
    return Rendered.text(out -> render(run, out));
  }

  /** Writes the table as it goes: the workloads are read twice (widths, then rows). */
  public static void render(AuditRun run, Appendable out) throws java.io.IOException {
    int width = "WORKLOAD".length();
    int kindWidth = "KIND".length();
    for (AuditRun.Audited w : run.workloads()) {
      width = Math.max(width, name(w.audit()).length());
      kindWidth = Math.max(kindWidth, w.audit().kind().length());
    }
    String format = "%-8s %-" + kindWidth + "s %-" + width + "s %6s %8s %5s  %s%n";
    out.append(
        String.format(
            format, "VERDICT", "KIND", "WORKLOAD", "ERRORS", "WARNINGS", "INFO", "RULES"));
    for (AuditRun.Audited w : run.workloads()) {
      WorkloadAudit a = w.audit();
      Set<String> rules = new LinkedHashSet<>();
      for (Finding f : a.findings()) {
        rules.add(f.rule());
      }
      out.append(
          String.format(
              format,
              a.verdict().label(),
              a.kind(),
              name(a),
              count(a, Severity.ERROR),
              count(a, Severity.WARNING),
              count(a, Severity.INFO),
              rules.isEmpty() ? "-" : String.join(",", rules)));
    }
    for (ManifestLoader.InputError e : run.errors()) {
      out.append("input error: ")
          .append(e.source())
          .append(e.document() > 0 ? " (document " + e.document() + ")" : "")
          .append(": ")
          .append(e.message())
          .append('\n');
    }
    for (String line : run.readErrorLines()) {
      out.append("not read: ").append(line).append('\n');
    }
  }

  private static String name(WorkloadAudit a) {
    return AuditRun.namespaceOf(a) + "/" + a.name();
  }

  private static long count(WorkloadAudit a, Severity s) {
    return a.findings().stream().filter(f -> f.severity() == s).count();
  }
}
