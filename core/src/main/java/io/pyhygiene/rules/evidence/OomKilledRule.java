package io.pyhygiene.rules.evidence;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.Observations.Termination;
import io.pyhygiene.workload.WorkloadView;
import java.util.ArrayList;
import java.util.List;

/** Runtime evidence: containers of the Deployment were OOM-killed. */
public final class OomKilledRule implements Rule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "oom-killed",
          Severity.ERROR,
          Category.RESOURCES,
          "Containers were OOM-killed",
          "Observed: a container terminated with reason OOMKilled. Requests in flight were lost and"
              + " the pod restarted; repeated OOM kills under load usually mean more workers than the"
              + " limit holds, or a leak. From runtime evidence: the operator keeps it for"
              + " PYHYGIENE_EVIDENCE_WINDOW; `audit --cluster` reads what the kubelet recorded in the"
              + " pods' last termination states.",
          "Raise `resources.limits.memory` or lower the worker count (see worker-memory), and look"
              + " for a leak if usage grows without bound.",
          """
      # observed on pod worker-5f6b-q8: container worker terminated
      #   exitCode: 137, reason: OOMKilled
      """);

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  public List<Finding> check(WorkloadView w, RuleContext ctx) {
    List<Finding> out = new ArrayList<>();
    TerminationCounts.byContainer(w, Termination::oomKilled)
        .forEach(
            (container, n) ->
                out.add(
                    finding(
                        container,
                        "was OOM-killed "
                            + TerminationCounts.times(n)
                            + " in the observed terminations.")));
    return out;
  }
}
