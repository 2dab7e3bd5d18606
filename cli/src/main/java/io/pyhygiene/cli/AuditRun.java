package io.pyhygiene.cli;

import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import java.util.List;

/**
 * The outcome of {@code pyhygiene audit}: each audited workload with where it came from, and the
 * input errors.
 */
public record AuditRun(List<Audited> workloads, List<ManifestLoader.InputError> errors) {

  /**
   * One audited workload.
   *
   * @param source the file it came from
   * @param document its document index in the file
   * @param line the line its document starts on
   * @param audit the engine's result
   */
  public record Audited(String source, int document, int line, WorkloadAudit audit) {}

  public long count(Verdict verdict) {
    return workloads.stream().filter(w -> w.audit().verdict() == verdict).count();
  }

  public long python() {
    return workloads.stream().filter(w -> w.audit().python()).count();
  }

  /** Whether any finding is at or above the threshold ({@code null} threshold: never). */
  public boolean anyAtLeast(Severity threshold) {
    return threshold != null && workloads.stream()
        .flatMap(w -> w.audit().findings().stream())
        .anyMatch(f -> f.severity().atLeast(threshold));
  }

  /** Namespace as kubectl would apply it with the default context. */
  public static String namespaceOf(WorkloadAudit a) {
    return a.namespace().isEmpty() ? "default" : a.namespace();
  }
}
