package io.pyhygiene.operator.remediation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.engine.FixPlan;
import io.pyhygiene.engine.FixPlanner;
import io.pyhygiene.operator.json.CanonicalJson;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.operator.writer.WorkloadMetadata;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.workload.Observations.RemediationConflict;
import io.pyhygiene.workload.PodTemplates;
import io.pyhygiene.workload.WorkloadKind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in remediation: all fixes for one workload in ONE server-side apply of its pod template (one
 * rollout; for a CronJob, the template of its next run), under pyhygiene's field manager, never
 * forcing a field another manager owns. A conflict becomes a {@code remediation-conflict} finding
 * and an Event, not a fight. Waits while a rollout is in progress and bounds concurrent remediation
 * rollouts ({@link RolloutSlots}). Dry-run mode applies with the API server's dry run and only
 * shows the change.
 *
 * <p>Only the kinds whose template may be patched ({@link WorkloadKind#remediable}): never a Job's
 * (immutable), a bare Pod's or a ReplicaSet's (it would not replace its pods).
 *
 * <p>Holds no per-workload state: what the last attempt did is read from the workload ({@link
 * RemediationState}) and the outcome carries the state to write back with the metadata. So a new
 * leader neither repeats a dry run or a conflicting request its predecessor made, nor loops on a
 * fix something keeps undoing, nor exceeds the rollout bound.
 */
public final class Remediator {

  private static final Logger LOG = LoggerFactory.getLogger(Remediator.class);
  private static final Pattern MANAGER = Pattern.compile("conflict with \"([^\"]+)\"");

  /**
   * What remediation did in this reconcile.
   *
   * @param applied whether a patch was applied (a rollout follows; the apply carried the metadata)
   * @param deferred whether remediation waits for a rollout slot (retry later)
   * @param state the remediation state to keep on the workload
   */
  public record Outcome(boolean applied, boolean deferred, RemediationState state) {
    static Outcome nothing(RemediationState state) {
      return new Outcome(false, false, state);
    }
  }

  private final FixPlanner planner;
  private final WorkloadWriter writer;
  private final RolloutSlots slots;
  private final PyhygieneMetrics metrics;

  public Remediator(
      FixPlanner planner, WorkloadWriter writer, RolloutSlots slots, PyhygieneMetrics metrics) {
    this.planner = planner;
    this.writer = writer;
    this.slots = slots;
    this.metrics = metrics;
  }

  /** Remediation follows the first selecting policy (by name) that enables it. */
  static Optional<ActivePolicy> remediatingPolicy(List<ActivePolicy> selecting) {
    return selecting.stream().filter(p -> p.resolved().remediation().enabled()).findFirst();
  }

  /**
   * Remediates the workload if a selecting policy asks for it and its kind may be patched.
   *
   * @param d the workload as cached (its annotations carry the last attempt)
   * @param selecting the policies selecting it
   * @param audit its audit now, whose metadata an apply carries
   */
  public Outcome remediate(HasMetadata d, List<ActivePolicy> selecting, CombinedAudit audit) {
    Optional<ActivePolicy> policy = remediatingPolicy(selecting);
    Optional<WorkloadKind> kind = WorkloadKind.of(d).filter(WorkloadKind::remediable);
    if (policy.isEmpty() || kind.isEmpty()) {
      return Outcome.nothing(RemediationState.NONE);
    }
    RemediationState state = RemediationState.of(d);
    AuditPolicy p = policy.get().resolved();
    boolean dryRun = p.remediation().dryRun();
    if (!dryRun && RolloutState.inProgress(d)) {
      // Never while a rollout is in progress; the next event retries. A dry run starts no rollout,
      // so it need not wait: its preview goes out with the first audit, in the same write.
      return Outcome.nothing(state);
    }
    FixPlan plan = planner.plan(d, p);
    if (plan.isEmpty()) {
      return Outcome.nothing(state.withoutConflicts());
    }
    String policyKey = policy.get().name() + "@" + policy.get().generation();
    Set<String> known = new HashSet<>(state.rules());
    known.addAll(state.conflictingRules());
    if (state.templateIsTheFixed(d)
        && policyKey.equals(state.attempt())
        && known.containsAll(plan.fixedRules())) {
      // On the very template the last fix produced, under the same policy, what is left is
      // either fixes that something (a mutating webhook, an admission default) undid, or fixes
      // another manager blocked. Do not loop on rollouts, nor ask again: the conflicts stand
      // until someone changes the template or the policy changes.
      plan.fixedRules().stream()
          .filter(state.rules()::contains)
          .forEach(r -> metrics.remediation(r, "skipped"));
      return Outcome.nothing(state);
    }
    // The same plan on the same pod template was already tried (a conflict, or a dry run): its
    // outcome stands until the template or the plan changes. Keyed by the template, not the
    // generation: pyhygiene's own annotation writes bump the generation, and must not make it
    // repeat the request (nor must a resync).
    String attempt = attemptKey(d, plan, dryRun);
    if (attempt.equals(state.attempt())) {
      return Outcome.nothing(state);
    }
    String key = RolloutSlots.key(d);
    long revision = RemediationState.revision(d);
    // A CronJob's patched template is used by its next run: no rollout, no slot.
    boolean rolls = !dryRun && kind.get().rollsOut();
    if (rolls
        && !slots.tryAcquire(
            key, WorkloadWriter.generation(d), p.remediation().maxConcurrentRollouts())) {
      return new Outcome(false, true, state);
    }
    boolean applied = false;
    try {
      Outcome outcome = attempt(d, p, plan, audit, state, attempt, policyKey, dryRun, revision);
      applied = outcome.applied();
      return outcome;
    } finally {
      if (!applied && rolls) {
        slots.release(key);
      }
    }
  }

  private Outcome attempt(
      HasMetadata d,
      AuditPolicy p,
      FixPlan plan,
      CombinedAudit audit,
      RemediationState before,
      String attempt,
      String policyKey,
      boolean dryRun,
      long revision) {
    List<RemediationConflict> found = new ArrayList<>();
    List<String> clean = new ArrayList<>();
    try {
      apply(
          d,
          audit,
          plan.patch(),
          dryRun,
          RemediationState.applied(policyKey, revision, Set.copyOf(plan.fixedRules()), List.of()),
          false);
      clean.addAll(plan.fixedRules());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        plan.fixedRules().forEach(r -> metrics.remediation(r, "failed"));
        throw e;
      }
      // Find which fixes conflict, rule by rule (dry runs), then apply the others as one patch.
      // A field whose only other owners wrote it with plain updates (kubectl create, edit,
      // client-side apply) is taken, as `kubectl apply --server-side --force-conflicts` would:
      // those writers do not take part in server-side apply, so no one's declared intent is
      // overridden. A field a server-side-apply manager (a GitOps tool) owns is never forced.
      ObjectNode cleanPatch = null;
      boolean force = false;
      for (String rule : plan.fixedRules()) {
        FixPlan single = planner.plan(d, onlyRule(p, rule));
        if (single.isEmpty()) {
          continue;
        }
        try {
          apply(d, audit, single.patch(), true, RemediationState.NONE, false);
          clean.add(rule);
          cleanPatch =
              cleanPatch == null ? single.patch() : ApplyMerge.merge(cleanPatch, single.patch());
        } catch (KubernetesClientException conflict) {
          if (conflict.getCode() != 409) {
            throw conflict;
          }
          List<RemediationConflict> causes = causes(rule, conflict);
          if (causes.stream().allMatch(c -> onlyPlainUpdates(d, c.manager()))) {
            clean.add(rule);
            force = true;
            cleanPatch =
                cleanPatch == null ? single.patch() : ApplyMerge.merge(cleanPatch, single.patch());
          } else {
            found.addAll(causes);
          }
        }
      }
      if (cleanPatch != null && !dryRun) {
        apply(
            d,
            audit,
            cleanPatch,
            false,
            RemediationState.applied(policyKey, revision, Set.copyOf(clean), found),
            force);
      }
    }
    found.forEach(c -> metrics.remediation(c.rule(), "conflict"));
    if (!found.isEmpty() && !found.equals(before.conflicts())) {
      writer.event(
          d,
          "Warning",
          "RemediationConflict",
          "pyhygiene did not apply "
              + String.join(", ", found.stream().map(RemediationConflict::rule).distinct().toList())
              + ": the fields are owned by "
              + String.join(
                  ", ", found.stream().map(RemediationConflict::manager).distinct().toList())
              + " with server-side apply (a conflict is reported, never forced)");
    }
    if (clean.isEmpty()) {
      return Outcome.nothing(RemediationState.conflict(attempt, found));
    }
    if (dryRun) {
      clean.forEach(r -> metrics.remediation(r, "dry_run"));
      String preview = String.join("; ", plan.changes());
      if (!preview.equals(currentPreview(d))) {
        writer.event(d, "Normal", "RemediationPreview", "dry run, not applied: " + preview);
      }
      return Outcome.nothing(RemediationState.dryRun(attempt, found, preview));
    }
    clean.forEach(r -> metrics.remediation(r, "applied"));
    writer.event(
        d,
        "Normal",
        "Remediated",
        "pyhygiene fixed "
            + String.join(", ", clean)
            + (kind(d).rollsOut() ? " in one rollout" : " for the next run"));
    LOG.info("remediated {}", clean);
    return new Outcome(
        true, false, RemediationState.applied(policyKey, revision, Set.copyOf(clean), found));
  }

  /**
   * One server-side apply: the patch plus all of pyhygiene's metadata, including the remediation
   * state this apply results in (so the state and the fix land together, or neither does).
   */
  private void apply(
      HasMetadata d,
      CombinedAudit audit,
      ObjectNode patch,
      boolean dryRun,
      RemediationState result,
      boolean force) {
    // A template change bumps the generation once; the metadata states the resulting one.
    WorkloadMetadata metadata =
        WorkloadMetadata.of(audit, result.annotations())
            .withGeneration(WorkloadWriter.generation(d) + 1);
    writer.apply(d, ApplyMerge.merge(writer.metadataApply(d, metadata), patch), dryRun, force);
  }

  /**
   * Whether a field manager only ever wrote the workload with plain updates (create, update, patch,
   * client-side apply), never with server-side apply: it declares no ownership to respect.
   */
  static boolean onlyPlainUpdates(HasMetadata d, String manager) {
    var entries = d.getMetadata().getManagedFields();
    if (entries == null) {
      return false;
    }
    var own = entries.stream().filter(e -> manager.equals(e.getManager())).toList();
    return !own.isEmpty() && own.stream().noneMatch(e -> "Apply".equals(e.getOperation()));
  }

  /** The pod template and the plan (and whether it is a dry run), as digests. */
  static String attemptKey(HasMetadata d, FixPlan plan, boolean dryRun) {
    String template =
        PodTemplates.of(d).map(t -> CanonicalJson.digestOf(t).substring(0, 16)).orElse("");
    return (dryRun ? "dry-run:" : "apply:")
        + template
        + ":"
        + CanonicalJson.digest(plan.patch()).substring(0, 16);
  }

  private static String currentPreview(HasMetadata d) {
    Map<String, String> a = d.getMetadata().getAnnotations();
    return a == null ? "" : a.getOrDefault(WorkloadMetadata.PREVIEW_ANNOTATION, "");
  }

  private static WorkloadKind kind(HasMetadata d) {
    return WorkloadKind.of(d).orElseThrow();
  }

  /** The policy remediating only {@code rule} (every other setting kept). */
  private static AuditPolicy onlyRule(AuditPolicy p, String rule) {
    AuditPolicy.Remediation r = p.remediation();
    return p.withRemediation(
        new AuditPolicy.Remediation(
            r.enabled(), Set.of(rule), r.maxConcurrentRollouts(), r.dryRun()));
  }

  private static List<RemediationConflict> causes(String rule, KubernetesClientException e) {
    List<RemediationConflict> out = new ArrayList<>();
    if (e.getStatus() != null
        && e.getStatus().getDetails() != null
        && e.getStatus().getDetails().getCauses() != null) {
      for (StatusCause c : e.getStatus().getDetails().getCauses()) {
        Matcher m = MANAGER.matcher(String.valueOf(c.getMessage()));
        out.add(
            new RemediationConflict(
                rule, String.valueOf(c.getField()), m.find() ? m.group(1) : "another manager"));
      }
    }
    if (out.isEmpty()) {
      out.add(new RemediationConflict(rule, "(unknown field)", "another manager"));
    }
    return out;
  }
}
