package io.pyhygiene.operator.writer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The labels and annotations pyhygiene keeps on an audited Deployment: metadata only, never the pod
 * template. Only rule ids, severities, container and policy names: never a message (which could
 * quote a manifest) and never an env value.
 *
 * @param labels pyhygiene's labels (empty when the Deployment is not audited)
 * @param annotations pyhygiene's annotations (empty when not audited)
 */
public record WorkloadMetadata(Map<String, String> labels, Map<String, String> annotations) {

  public static final String VERDICT_LABEL = "pyhygiene.io/verdict";
  public static final String FINDINGS_ANNOTATION = "pyhygiene.io/findings";
  public static final String POLICY_ANNOTATION = "pyhygiene.io/policy";
  public static final String GENERATION_ANNOTATION = "pyhygiene.io/audited-generation";
  public static final String PREVIEW_ANNOTATION = "pyhygiene.io/remediation-preview";

  /**
   * What remediation last did on the Deployment, as compact JSON (see the remediation package): the
   * state a new leader reads back instead of remembering it.
   */
  public static final String REMEDIATION_ANNOTATION = "pyhygiene.io/remediation";

  /** Every annotation pyhygiene keeps; anything else on the object is not pyhygiene's business. */
  static final List<String> ANNOTATIONS =
      List.of(
          FINDINGS_ANNOTATION,
          POLICY_ANNOTATION,
          GENERATION_ANNOTATION,
          PREVIEW_ANNOTATION,
          REMEDIATION_ANNOTATION);

  public static WorkloadMetadata none() {
    return new WorkloadMetadata(Map.of(), Map.of());
  }

  /**
   * The desired metadata, without {@value #GENERATION_ANNOTATION}: that value depends on the write
   * itself (see {@link #withGeneration}).
   *
   * @param audit the Deployment's audit
   * @param remediation remediation's annotations ({@value #PREVIEW_ANNOTATION}, {@value
   *     #REMEDIATION_ANNOTATION}), kept only on an audited Deployment
   */
  public static WorkloadMetadata of(CombinedAudit audit, Map<String, String> remediation) {
    if (!audit.python()) {
      return none();
    }
    ArrayNode findings = Json.MAPPER.createArrayNode();
    for (CombinedAudit.AttributedFinding af : audit.findings()) {
      Finding f = af.finding();
      ObjectNode n = findings.addObject();
      n.put("rule", f.rule());
      n.put("severity", f.severity().label());
      if (!f.container().isEmpty()) {
        n.put("container", f.container());
      }
      n.put("policy", String.join(",", af.policies()));
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(FINDINGS_ANNOTATION, findings.toString());
    annotations.put(POLICY_ANNOTATION, String.join(",", audit.policyNames()));
    remediation.forEach(
        (key, value) -> {
          if (!ANNOTATIONS.contains(key)
              || key.equals(FINDINGS_ANNOTATION)
              || key.equals(POLICY_ANNOTATION)
              || key.equals(GENERATION_ANNOTATION)) {
            throw new IllegalArgumentException("not a remediation annotation: " + key);
          }
          if (!value.isEmpty()) {
            annotations.put(key, value);
          }
        });
    return new WorkloadMetadata(
        Map.of(VERDICT_LABEL, audit.verdict().label()), Map.copyOf(annotations));
  }

  /** The same metadata stating the generation it describes (when audited at all). */
  public WorkloadMetadata withGeneration(long generation) {
    if (annotations.isEmpty()) {
      return this;
    }
    Map<String, String> a = new LinkedHashMap<>(annotations);
    a.put(GENERATION_ANNOTATION, String.valueOf(generation));
    return new WorkloadMetadata(labels, Map.copyOf(a));
  }

  /** Whether the verdict label matches (pyhygiene's keys only). */
  public boolean labelsPresentOn(Map<String, String> currentLabels) {
    Map<String, String> l = currentLabels == null ? Map.of() : currentLabels;
    return Objects.equals(l.get(VERDICT_LABEL), labels.get(VERDICT_LABEL));
  }

  /**
   * Whether the annotations match, the generation annotation included (pyhygiene's keys only:
   * anything else on the object is not pyhygiene's business).
   */
  public boolean annotationsPresentOn(Map<String, String> currentAnnotations) {
    Map<String, String> a = currentAnnotations == null ? Map.of() : currentAnnotations;
    for (String key : ANNOTATIONS) {
      if (!Objects.equals(a.get(key), annotations.get(key))) {
        return false;
      }
    }
    return true;
  }
}
