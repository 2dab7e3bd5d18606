package io.pyhygiene.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * pyhygiene's own meters, with bounded labels: namespace, kind, verdict, rule, severity, operation,
 * decision, result, and the workload name only on the evidence counters (never a pod or a
 * container).
 */
public final class PyhygieneMetrics {

  private final MeterRegistry registry;
  private final MultiGauge workloads;
  private final MultiGauge violations;
  private final Timer admissionDuration;

  public PyhygieneMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.workloads =
        MultiGauge.builder("pyhygiene.workloads")
            .description("Audited Python workloads by namespace, kind and verdict")
            .register(registry);
    this.violations =
        MultiGauge.builder("pyhygiene.violations")
            .description("Findings on audited workloads by namespace, kind, rule and severity")
            .register(registry);
    this.admissionDuration =
        Timer.builder("pyhygiene.admission.duration")
            .description("Time to answer an AdmissionReview, server side")
            .serviceLevelObjectives(
                Duration.ofMillis(1),
                Duration.ofMillis(5),
                Duration.ofMillis(10),
                Duration.ofMillis(50),
                Duration.ofMillis(250),
                Duration.ofSeconds(1))
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(3))
            .register(registry);
  }

  /** Replaces the gauges with the current counts. */
  public void setWorkloads(
      Map<List<String>, Long> byNamespaceKindVerdict,
      Map<List<String>, Long> byNamespaceKindRuleSeverity) {
    List<MultiGauge.Row<?>> w = new ArrayList<>();
    byNamespaceKindVerdict.forEach(
        (k, v) ->
            w.add(
                MultiGauge.Row.of(
                    Tags.of("namespace", k.get(0), "kind", k.get(1), "verdict", k.get(2)), v)));
    workloads.register(w, true);
    List<MultiGauge.Row<?>> x = new ArrayList<>();
    byNamespaceKindRuleSeverity.forEach(
        (k, v) ->
            x.add(
                MultiGauge.Row.of(
                    Tags.of(
                        "namespace",
                        k.get(0),
                        "kind",
                        k.get(1),
                        "rule",
                        k.get(2),
                        "severity",
                        k.get(3)),
                    v)));
    violations.register(x, true);
  }

  /** result: applied, dry_run, conflict, skipped or failed. */
  public void remediation(String rule, String result) {
    Counter.builder("pyhygiene.remediations")
        .description("Remediation attempts by rule and result")
        .tags("rule", rule, "result", result)
        .register(registry)
        .increment();
  }

  /** operation: CREATE or UPDATE; decision: allowed, warned, denied or error. */
  public void admission(String operation, String decision, Duration took) {
    Counter.builder("pyhygiene.admission.requests")
        .description("AdmissionReviews answered")
        .tags("operation", operation, "decision", decision)
        .register(registry)
        .increment();
    admissionDuration.record(took);
  }

  public void shutdownSigkilled(String namespace, String kind, String name) {
    Counter.builder("pyhygiene.shutdown.sigkilled")
        .description("Containers SIGKILLed at shutdown (exit 137 on a pod being deleted)")
        .tags("namespace", namespace, "kind", kind, "name", name)
        .register(registry)
        .increment();
  }

  public void oomKilled(String namespace, String kind, String name) {
    Counter.builder("pyhygiene.oom.killed")
        .description("Containers terminated as OOMKilled")
        .tags("namespace", namespace, "kind", kind, "name", name)
        .register(registry)
        .increment();
  }
}
