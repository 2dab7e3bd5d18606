package io.pyhygiene.operator.remediation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.writer.WorkloadMetadata;
import io.pyhygiene.workload.Observations.RemediationConflict;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What remediation last did to a workload, kept on the workload itself in the annotation {@value
 * WorkloadMetadata#REMEDIATION_ANNOTATION} (compact JSON) and, for a dry run, the preview in
 * {@value WorkloadMetadata#PREVIEW_ANNOTATION}. It is written in the same request as the rest of
 * pyhygiene's metadata (the apply itself, or the metadata write that follows an audit), so it costs
 * no extra write; and any replica that becomes the leader reads it back from its informer cache, so
 * nothing about remediation lives only in one process's memory.
 *
 * <p>Only rule ids, field paths and field-manager names: never a value from the pod template.
 *
 * @param result what the last attempt did
 * @param attempt what the last attempt was made on: for a dry run or a conflict, the pod template
 *     and the plan (digests), so the same request is not repeated until either changes; for an
 *     applied fix, the policy and its generation, so its leftovers are not retried until the
 *     template or the policy changes
 * @param revision for an applied fix: the workload's template version when it was applied (the fix
 *     made the next one): a Deployment's {@code deployment.kubernetes.io/revision}, any other
 *     kind's generation (which, unlike a Deployment's, only a spec change moves)
 * @param rules for an applied fix: the rules it fixed
 * @param conflicts fixes another field manager blocked (they become {@code remediation-conflict}
 *     findings) until a new attempt or the plan becoming empty clears them
 * @param preview for a dry run: the changes it would make, one line each; empty otherwise
 */
public record RemediationState(
    Result result,
    String attempt,
    long revision,
    Set<String> rules,
    List<RemediationConflict> conflicts,
    String preview) {

  /** What an attempt did. */
  public enum Result {
    /** Nothing attempted, or nothing to keep. */
    NONE,
    /** A patch was applied (possibly only part of the plan: see conflicts). */
    APPLIED,
    /** A dry run: nothing changed, the preview shows what would. */
    DRY_RUN,
    /** Every fix of the plan was blocked by another field manager. */
    CONFLICT
  }

  /** The annotation the Deployment controller keeps: the revision of the current template. */
  static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

  public static final RemediationState NONE =
      new RemediationState(Result.NONE, "", 0, Set.of(), List.of(), "");

  public RemediationState {
    rules = Set.copyOf(rules);
    conflicts = List.copyOf(conflicts);
  }

  static RemediationState applied(
      String policy, long revision, Set<String> rules, List<RemediationConflict> conflicts) {
    return new RemediationState(Result.APPLIED, policy, revision, rules, conflicts, "");
  }

  static RemediationState dryRun(
      String attempt, List<RemediationConflict> conflicts, String preview) {
    return new RemediationState(Result.DRY_RUN, attempt, 0, Set.of(), conflicts, preview);
  }

  static RemediationState conflict(String attempt, List<RemediationConflict> conflicts) {
    return new RemediationState(Result.CONFLICT, attempt, 0, Set.of(), conflicts, "");
  }

  /** The same state without conflicts (the plan has nothing left that could conflict). */
  RemediationState withoutConflicts() {
    return conflicts.isEmpty()
        ? this
        : new RemediationState(result, attempt, revision, rules, List.of(), preview);
  }

  /** The rules whose fixes were blocked. */
  Set<String> conflictingRules() {
    Set<String> out = new TreeSet<>();
    conflicts.forEach(c -> out.add(c.rule()));
    return out;
  }

  /**
   * Whether the workload's template is still the one this applied fix produced: its revision is the
   * one the fix's rollout got (or the controller has not moved it yet). A later template change by
   * anyone else creates a newer revision.
   */
  boolean templateIsTheFixed(HasMetadata d) {
    long current = revision(d);
    return result == Result.APPLIED && current >= revision && current <= revision + 1;
  }

  /** The state kept on a Deployment; {@link #NONE} when there is none or it does not parse. */
  public static RemediationState of(HasMetadata d) {
    Map<String, String> a = d.getMetadata().getAnnotations();
    if (a == null || !a.containsKey(WorkloadMetadata.REMEDIATION_ANNOTATION)) {
      return NONE;
    }
    try {
      JsonNode n = Json.MAPPER.readTree(a.get(WorkloadMetadata.REMEDIATION_ANNOTATION));
      Result result = Result.valueOf(n.path("result").asText("NONE"));
      Set<String> rules = new TreeSet<>();
      n.path("rules").forEach(r -> rules.add(r.asText()));
      List<RemediationConflict> conflicts = new ArrayList<>();
      n.path("conflicts")
          .forEach(
              c ->
                  conflicts.add(
                      new RemediationConflict(
                          c.path("rule").asText(),
                          c.path("field").asText(),
                          c.path("manager").asText())));
      String preview =
          result == Result.DRY_RUN ? a.getOrDefault(WorkloadMetadata.PREVIEW_ANNOTATION, "") : "";
      return new RemediationState(
          result,
          n.path("attempt").asText(""),
          n.path("revision").asLong(0),
          rules,
          conflicts,
          preview);
    } catch (IOException | IllegalArgumentException e) {
      return NONE; // edited by hand into something else: start afresh
    }
  }

  /** The annotations that record this state (empty values: none, remove them). */
  public Map<String, String> annotations() {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(WorkloadMetadata.PREVIEW_ANNOTATION, preview);
    out.put(WorkloadMetadata.REMEDIATION_ANNOTATION, result == Result.NONE ? "" : encode());
    return out;
  }

  private String encode() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("result", result.name());
    if (!attempt.isEmpty()) {
      n.put("attempt", attempt);
    }
    if (result == Result.APPLIED) {
      n.put("revision", revision);
      ArrayNode r = n.putArray("rules");
      new TreeSet<>(rules).forEach(r::add); // sorted: the same state is the same text
    }
    if (!conflicts.isEmpty()) {
      ArrayNode c = n.putArray("conflicts");
      conflicts.forEach(
          x ->
              c.addObject()
                  .put("rule", x.rule())
                  .put("field", x.field())
                  .put("manager", x.manager()));
    }
    return n.toString();
  }

  /**
   * The workload's current template version: a Deployment's revision (0 before the controller has
   * set one; its generation also moves on annotation changes, so it cannot serve), any other kind's
   * generation.
   */
  static long revision(HasMetadata d) {
    if (!(d instanceof Deployment)) {
      Long g = d.getMetadata().getGeneration();
      return g == null ? 0 : g;
    }
    Map<String, String> a = d.getMetadata().getAnnotations();
    try {
      return a == null ? 0 : Long.parseLong(a.getOrDefault(REVISION_ANNOTATION, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
