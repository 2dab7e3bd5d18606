package io.pyhygiene.engine;

import java.util.List;

/**
 * The audit of one workload.
 *
 * @param kind e.g. {@code Deployment}
 * @param namespace the namespace ({@code ""} when the manifest has none)
 * @param name the name
 * @param python whether it was treated as a Python service
 * @param verdict pass, warn or fail; skipped when not a Python service
 * @param findings the findings, most severe first
 * @param exemptedRules rule ids waived for this workload (annotation or policy)
 */
public record WorkloadAudit(
    String kind,
    String namespace,
    String name,
    boolean python,
    Verdict verdict,
    List<Finding> findings,
    List<String> exemptedRules) {}
