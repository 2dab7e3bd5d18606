package io.pyhygiene.operator.reconciler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.FixPlan;
import io.pyhygiene.engine.FixPlanner;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.operator.report.ReportPublisher;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.workload.Observations.RemediationConflict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in remediation: all fixes for one Deployment in ONE server-side apply of its pod template
 * (one rollout), under pyhygiene's field manager, never forcing a field another manager owns.
 * A conflict becomes a {@code remediation-conflict} finding and an Event, not a fight. Waits
 * while a rollout is in progress and bounds concurrent remediation rollouts. Dry-run mode applies
 * with the API server's dry run and only shows the change.
 */
public final class Remediator {

  private static final Logger LOG = LoggerFactory.getLogger(Remediator.class);
  private static final Pattern MANAGER = Pattern.compile("conflict with \"([^\"]+)\"");

  /**
   * What remediation did in this reconcile.
   *
   * @param applied whether a patch was applied (a rollout follows)
   * @param preview the dry-run preview to show on the Deployment, or empty
   * @param deferred whether remediation waits for a rollout slot (retry later)
   */
  public record Outcome(boolean applied, String preview, boolean deferred) {
    static final Outcome NOTHING = new Outcome(false, "", false);
  }

  private record Applied(long generationAfter, Set<String> rules) {}

  /** A remediation request already made for a pod template and a plan, and its outcome. */
  private record Attempt(String key, Outcome outcome) {}

  private final FixPlanner planner;
  private final DeploymentWriter writer;
  private final PyhygieneMetrics metrics;
  private final Map<String, List<RemediationConflict>> conflicts = new ConcurrentHashMap<>();
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, Applied> lastApplied = new ConcurrentHashMap<>();
  private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();

  public Remediator(FixPlanner planner, DeploymentWriter writer, PyhygieneMetrics metrics) {
    this.planner = planner;
    this.writer = writer;
    this.metrics = metrics;
  }

  public List<RemediationConflict> conflicts(String key) {
    return conflicts.getOrDefault(key, List.of());
  }

  /** Remediation follows the first selecting policy (by name) that enables it. */
  static Optional<ActivePolicy> remediatingPolicy(List<ActivePolicy> selecting) {
    return selecting.stream().filter(p -> p.resolved().remediation().enabled()).findFirst();
  }

  public Outcome remediate(String key, Deployment d, List<ActivePolicy> selecting,
      WorkloadMetadata metadata) {
    Optional<ActivePolicy> policy = remediatingPolicy(selecting);
    if (policy.isEmpty()) {
      conflicts.remove(key);
      inFlight.remove(key);
      return Outcome.NOTHING;
    }
    AuditPolicy p = policy.get().resolved();
    boolean dryRun = p.remediation().dryRun();
    if (!dryRun && RolloutState.inProgress(d)) {
      // Never while a rollout is in progress; the next event retries. A dry run starts no rollout,
      // so it need not wait: its preview goes out with the first audit, in the same write.
      return Outcome.NOTHING;
    }
    inFlight.remove(key);
    FixPlan plan = planner.plan(d, p);
    if (plan.isEmpty()) {
      conflicts.remove(key);
      return Outcome.NOTHING;
    }
    Applied previous = lastApplied.get(key);
    Long generation = d.getMetadata().getGeneration();
    if (previous != null && generation != null && generation == previous.generationAfter()
        && previous.rules().containsAll(plan.fixedRules())) {
      // The fix was applied but the same findings are back on the resulting spec: something
      // (a mutating webhook, an admission default) undoes it. Do not loop on rollouts.
      plan.fixedRules().forEach(r -> metrics.remediation(r, "skipped"));
      return Outcome.NOTHING;
    }
    if (!dryRun && inFlight.size() >= p.remediation().maxConcurrentRollouts()) {
      return new Outcome(false, "", true);
    }
    // The same plan on the same pod template was already tried (a conflict, or a dry run): its
    // outcome stands until the template or the plan changes. Keyed by the template, not the
    // generation: pyhygiene's own annotation writes bump the generation, and must not make it
    // repeat the request (nor must a resync).
    String attempt = templateDigest(d) + "\u0000" + plan.patch();
    Attempt last = attempts.get(key);
    if (last != null && last.key().equals(attempt)) {
      return last.outcome();
    }

    List<RemediationConflict> found = new ArrayList<>();
    List<String> clean = new ArrayList<>();
    try {
      apply(d, metadata, plan.patch(), dryRun);
      clean.addAll(plan.fixedRules());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        plan.fixedRules().forEach(r -> metrics.remediation(r, "failed"));
        throw e;
      }
      // Find which fixes conflict, rule by rule (dry runs), then apply the others as one patch.
      ObjectNode cleanPatch = null;
      for (String rule : plan.fixedRules()) {
        FixPlan single = planner.plan(d, onlyRule(p, rule));
        if (single.isEmpty()) {
          continue;
        }
        try {
          apply(d, metadata, single.patch(), true);
          clean.add(rule);
          cleanPatch = cleanPatch == null ? single.patch() : ApplyMerge.merge(cleanPatch, single.patch());
        } catch (KubernetesClientException conflict) {
          if (conflict.getCode() != 409) {
            throw conflict;
          }
          found.addAll(causes(rule, conflict));
        }
      }
      if (cleanPatch != null && !dryRun) {
        apply(d, metadata, cleanPatch, false);
      }
    }
    found.forEach(c -> metrics.remediation(c.rule(), "conflict"));
    List<RemediationConflict> before = conflicts(key);
    if (found.isEmpty()) {
      conflicts.remove(key);
    } else {
      conflicts.put(key, List.copyOf(found));
      if (!found.equals(before)) {
        writer.event(d, "Warning", "RemediationConflict", "pyhygiene did not apply "
            + String.join(", ", found.stream().map(RemediationConflict::rule).distinct().toList())
            + ": the fields are owned by " + String.join(", ",
                found.stream().map(RemediationConflict::manager).distinct().toList())
            + " (a conflict is reported, never forced)");
      }
    }
    if (clean.isEmpty()) {
      attempts.put(key, new Attempt(attempt, Outcome.NOTHING));
      return Outcome.NOTHING;
    }
    if (dryRun) {
      clean.forEach(r -> metrics.remediation(r, "dry_run"));
      String preview = String.join("; ", plan.changes());
      if (!preview.equals(currentPreview(d))) {
        writer.event(d, "Normal", "RemediationPreview", "dry run, not applied: " + preview);
      }
      Outcome outcome = new Outcome(false, preview, false);
      attempts.put(key, new Attempt(attempt, outcome));
      return outcome;
    }
    clean.forEach(r -> metrics.remediation(r, "applied"));
    inFlight.add(key);
    lastApplied.put(key, new Applied(generation == null ? 1 : generation + 1, Set.copyOf(clean)));
    writer.event(d, "Normal", "Remediated", "pyhygiene fixed " + String.join(", ", clean)
        + " in one rollout");
    LOG.info("remediated {}", clean);
    return new Outcome(true, "", false);
  }

  private void apply(Deployment d, WorkloadMetadata metadata, ObjectNode patch, boolean dryRun) {
    // A template change bumps the generation once; the metadata states the resulting one.
    ObjectNode config = ApplyMerge.merge(
        writer.metadataApply(d, metadata.withGeneration(DeploymentWriter.generation(d) + 1)), patch);
    writer.apply(d, config, dryRun, false);
  }

  private static String templateDigest(Deployment d) {
    return d.getSpec() == null || d.getSpec().getTemplate() == null ? ""
        : ReportPublisher.digest(DeploymentWriter.JSON.valueToTree(d.getSpec().getTemplate()));
  }

  private static String currentPreview(Deployment d) {
    Map<String, String> a = d.getMetadata().getAnnotations();
    return a == null ? "" : a.getOrDefault(WorkloadMetadata.PREVIEW_ANNOTATION, "");
  }

  private static AuditPolicy onlyRule(AuditPolicy p, String rule) {
    AuditPolicy.Remediation r = p.remediation();
    return new AuditPolicy(p.name(), p.mode(), p.labelOnly(), p.rules(), p.marginSeconds(),
        p.preStopSeconds(), p.memoryMinBytes(), p.memoryMaxBytes(), p.memoryPerWorkerBytes(),
        p.memoryDefaultBytes(), p.runAsUser(), p.exemptions(),
        new AuditPolicy.Remediation(r.enabled(), Set.of(rule), r.maxConcurrentRollouts(), r.dryRun()));
  }

  private static List<RemediationConflict> causes(String rule, KubernetesClientException e) {
    List<RemediationConflict> out = new ArrayList<>();
    if (e.getStatus() != null && e.getStatus().getDetails() != null
        && e.getStatus().getDetails().getCauses() != null) {
      for (StatusCause c : e.getStatus().getDetails().getCauses()) {
        Matcher m = MANAGER.matcher(String.valueOf(c.getMessage()));
        out.add(new RemediationConflict(rule, String.valueOf(c.getField()),
            m.find() ? m.group(1) : "another manager"));
      }
    }
    if (out.isEmpty()) {
      out.add(new RemediationConflict(rule, "(unknown field)", "another manager"));
    }
    return out;
  }

  public void forget(String key) {
    conflicts.remove(key);
    inFlight.remove(key);
    lastApplied.remove(key);
    attempts.remove(key);
  }
}
