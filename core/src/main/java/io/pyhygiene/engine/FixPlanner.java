package io.pyhygiene.engine;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadContext;
import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.WorkloadView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plans the remediation of one workload of a kind remediation patches ({@link
 * WorkloadKind#remediable}): a single server-side-apply patch of its pod template (one rollout)
 * carrying the fixes of the rules the policy asks to remediate. The fixes live in the rules ({@link
 * FixableRule}); the planner orders them, applies them to a copy as the API server would merge the
 * patch ({@link TemplatePatch}), audits the copy again and reports. A rule is reported fixed only
 * when none of its findings survive, and a fix that would make another rule fire is taken out
 * again. Pure: the same input gives a byte-identical patch.
 */
public final class FixPlanner {

  private final Auditor auditor;

  public FixPlanner(Auditor auditor) {
    this.auditor = auditor;
  }

  /**
   * Fixes for the rules in {@code policy.remediation().rules()} that fire on this workload.
   *
   * @throws IllegalArgumentException for a kind remediation never patches
   */
  public FixPlan plan(HasMetadata workload, AuditPolicy policy) {
    return new Planning(workload, policy).run();
  }

  /** One {@link #plan} call; the rules' fixes edit the template through it. */
  private final class Planning implements TemplateEdits {
    private final AuditPolicy policy;
    private final TemplatePatch patch;

    /** Rule id to why some of its findings stay, one line per container. */
    private final Map<String, List<String>> unfixable = new LinkedHashMap<>();

    private String fixing = "";
    private WorkloadView current;

    Planning(HasMetadata workload, AuditPolicy policy) {
      this.policy = policy;
      this.patch = new TemplatePatch(workload);
      this.current = view(workload);
    }

    FixPlan run() {
      Set<String> requested = policy.remediation().rules();
      WorkloadAudit before = auditor.audit(current, policy);
      Set<String> firing = new LinkedHashSet<>();
      before.findings().stream()
          .map(Finding::rule)
          .filter(requested::contains)
          .forEach(firing::add);
      firing.stream()
          .filter(r -> !(auditor.rule(r).orElse(null) instanceof FixableRule))
          .forEach(r -> note(r, "", "pyhygiene has no automatic fix for this rule"));
      if (before.python()) {
        for (FixableRule rule : fixers(requested)) {
          current = view(patch.applied());
          fixing = rule.id();
          List<Finding> findings = findings(audit(), rule.id());
          java.util.function.Predicate<Finding> outsideThePatch =
              f -> !f.container().isEmpty() && !patch.addresses(f.container());
          findings.stream()
              .filter(outsideThePatch)
              .forEach(f -> cannotFix(f.container(), patch.whyNotAddressed()));
          findings.removeIf(outsideThePatch);
          if (!findings.isEmpty()) {
            rule.fix(findings, this);
          }
        }
        undoFixesThatMakeOthersFire(before, requested);
      }
      WorkloadAudit after = audit();
      List<String> fixed = new ArrayList<>();
      for (String rule : firing.stream().sorted(byCatalogue()).toList()) {
        List<Finding> left = findings(after, rule);
        if (left.isEmpty() && !unfixable.containsKey(rule)) {
          fixed.add(rule);
        } else if (!unfixable.containsKey(rule)) {
          left.forEach(
              f -> note(rule, f.container(), "the planned change did not clear the finding"));
        }
      }
      Map<String, String> notFixable = new LinkedHashMap<>();
      unfixable.keySet().stream()
          .sorted(byCatalogue())
          .forEach(r -> notFixable.put(r, String.join("; ", unfixable.get(r))));
      return new FixPlan(patch.toApplyConfiguration(), fixed, notFixable, patch.changes());
    }

    /** The requested rules that carry a fix, in fix order (then catalogue order). */
    private List<FixableRule> fixers(Set<String> requested) {
      return auditor.rules().stream()
          .filter(r -> r instanceof FixableRule && requested.contains(r.id()))
          .map(r -> (FixableRule) r)
          .sorted(Comparator.comparingInt(FixableRule::fixOrder))
          .toList();
    }

    /**
     * A fix must not create a finding of a rule nobody asked to fix (a preStop that pushes a
     * container over a grace period it fits today): the latest fix whose removal clears such a
     * finding is taken out and reported not fixable.
     */
    private void undoFixesThatMakeOthersFire(WorkloadAudit before, Set<String> requested) {
      Set<String> had = new HashSet<>();
      before.findings().forEach(f -> had.add(f.rule() + "\u0000" + f.container()));
      for (Finding f : audit().findings()) {
        if (requested.contains(f.rule()) || had.contains(f.rule() + "\u0000" + f.container())) {
          continue;
        }
        List<String> suspects =
            new ArrayList<>(
                new LinkedHashSet<>(patch.edits().stream().map(TemplatePatch.Edit::rule).toList()));
        for (int k = suspects.size() - 1; k >= 0; k--) {
          String rule = suspects.get(k);
          List<TemplatePatch.Edit> saved =
              patch.remove(
                  e ->
                      e.rule().equals(rule)
                          && (e.container() == null || e.container().equals(f.container())));
          if (audit().findings().stream()
              .noneMatch(g -> g.rule().equals(f.rule()) && g.container().equals(f.container()))) {
            note(
                rule,
                f.container(),
                "its fix would make " + f.rule() + " fire; remediate " + f.rule() + " too");
            break;
          }
          patch.restore(saved);
        }
      }
    }

    private WorkloadAudit audit() {
      return auditor.audit(view(patch.applied()), policy);
    }

    private static WorkloadView view(HasMetadata workload) {
      return WorkloadView.of(workload, WorkloadContext.NONE).orElseThrow();
    }

    private List<Finding> findings(WorkloadAudit audit, String rule) {
      return new ArrayList<>(audit.findings().stream().filter(f -> f.rule().equals(rule)).toList());
    }

    private Comparator<String> byCatalogue() {
      return Comparator.comparingInt(auditor::position);
    }

    @Override
    public WorkloadView workload() {
      return current;
    }

    @Override
    public AuditPolicy policy() {
      return policy;
    }

    @Override
    public Optional<ContainerView> container(String name) {
      return current.containers().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    @Override
    public void setOnContainer(String container, String path, Object value, String change) {
      if (patch.addresses(container)) {
        patch.add(fixing, container, path, value, change);
      } else {
        cannotFix(container, patch.whyNotAddressed());
      }
    }

    @Override
    public void setOnPod(String path, Object value, String change) {
      patch.add(fixing, null, path, value, change);
    }

    @Override
    public void cannotFix(String container, String reason) {
      note(fixing, container, reason);
    }

    private void note(String rule, String container, String reason) {
      String line =
          container == null || container.isEmpty()
              ? reason
              : "container " + container + ": " + reason;
      List<String> reasons = unfixable.computeIfAbsent(rule, k -> new ArrayList<>());
      if (!reasons.contains(line)) {
        reasons.add(line);
      }
    }
  }
}
