package io.pyhygiene.cli;

import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;

/** The {@code -o text} report: grouped by workload, readable in a terminal. */
public final class TextReport {

  private final boolean colour;

  public TextReport(boolean colour) {
    this.colour = colour;
  }

  private String paint(String code, String text) {
    return colour ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
  }

  private String verdict(Verdict v) {
    String label = v.label().toUpperCase(java.util.Locale.ROOT);
    return switch (v) {
      case FAIL -> paint("1;31", label);
      case WARN -> paint("1;33", label);
      case PASS -> paint("1;32", label);
      case SKIPPED -> paint("2", label);
    };
  }

  private String severity(Severity s) {
    String label = String.format("%-7s", s.label());
    return switch (s) {
      case ERROR -> paint("31", label);
      case WARNING -> paint("33", label);
      case INFO -> paint("36", label);
    };
  }

  public String render(AuditRun run) {
    return Rendered.text(out -> render(run, out));
  }

  /** Writes the report as it goes, one workload at a time. */
  public void render(AuditRun run, Appendable sink) throws java.io.IOException {
    for (AuditRun.Audited w : run.workloads()) {
      StringBuilder out = new StringBuilder();
      WorkloadAudit a = w.audit();
      out.append(verdict(a.verdict()))
          .append("  ")
          .append(paint("1", a.kind() + " " + AuditRun.namespaceOf(a) + "/" + a.name()));
      if (w.fromFile()) {
        out.append(paint("2", "  (" + w.source() + ":" + w.line() + ")"));
      }
      if (!a.python()) {
        out.append(paint("2", "  not a Python service"));
      }
      if (!a.exemptedRules().isEmpty()) {
        out.append(paint("2", "  exempt: " + String.join(", ", a.exemptedRules())));
      }
      out.append('\n');
      if (run.imagesRequested() && a.python()) {
        for (AuditRun.Image i : w.images()) {
          i.digest()
              .ifPresent(
                  d ->
                      out.append("  ")
                          .append(
                              paint("2", "image [" + i.container() + "] " + i.image() + " is " + d))
                          .append('\n'));
        }
      }
      for (Finding f : a.findings()) {
        out.append("  ")
            .append(severity(f.severity()))
            .append(' ')
            .append(paint("1", f.rule()))
            .append(f.container().isEmpty() ? "" : " [" + f.container() + "]")
            .append(": ")
            .append(f.message())
            .append('\n');
        out.append("          ").append(paint("2", "fix: " + f.fix())).append('\n');
      }
      sink.append(out);
    }
    StringBuilder out = new StringBuilder();
    if (!run.errors().isEmpty()) {
      out.append('\n').append(paint("1;31", "input errors:")).append('\n');
      for (ManifestLoader.InputError e : run.errors()) {
        out.append("  ")
            .append(e.source())
            .append(e.document() > 0 ? " (document " + e.document() + ")" : "")
            .append(": ")
            .append(e.message())
            .append('\n');
      }
    }
    if (!run.readErrors().isEmpty()) {
      out.append('\n').append(paint("1;31", "not read from the cluster:")).append('\n');
      for (String line : run.readErrorLines()) {
        out.append("  ").append(line).append('\n');
      }
    }
    out.append('\n')
        .append(run.workloads().size())
        .append(" workload")
        .append(run.workloads().size() == 1 ? "" : "s")
        .append(", ")
        .append(run.python())
        .append(" Python: ")
        .append(run.count(Verdict.PASS))
        .append(" pass, ")
        .append(run.count(Verdict.WARN))
        .append(" warn, ")
        .append(run.count(Verdict.FAIL))
        .append(" fail");
    if (!run.errors().isEmpty()) {
      out.append("; ")
          .append(run.errors().size())
          .append(" input error")
          .append(run.errors().size() == 1 ? "" : "s");
    }
    if (!run.readErrors().isEmpty()) {
      long namespaces =
          run.readErrors().stream()
              .map(AuditRun.ReadError::namespace)
              .distinct()
              .filter(n -> !n.isEmpty())
              .count();
      boolean everywhere = run.readErrors().stream().anyMatch(e -> e.namespace().isEmpty());
      out.append("; ")
          .append(
              everywhere ? "the cluster" : namespaces + " namespace" + (namespaces == 1 ? "" : "s"))
          .append(" not fully read");
    }
    out.append('\n');
    sink.append(out);
  }
}
