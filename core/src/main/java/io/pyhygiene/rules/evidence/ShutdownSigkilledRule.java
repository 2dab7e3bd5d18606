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

/** Runtime evidence: pods of the Deployment were SIGKILLed while shutting down. */
public final class ShutdownSigkilledRule implements Rule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "shutdown-sigkilled",
          Severity.ERROR,
          Category.SHUTDOWN,
          "Pods were SIGKILLed at shutdown (exit code 137 while being deleted)",
          "Observed, not inferred: a container of a pod being deleted ended with exit code 137 and"
              + " not OOMKilled, so the kubelet killed it when the grace period ran out. Whatever it"
              + " was doing (requests, a task, a flush) was cut off. The operator watches the"
              + " workload's pods and keeps the evidence for PYHYGIENE_EVIDENCE_WINDOW; `audit"
              + " --cluster` reads what the kubelet recorded in the pods' termination states.",
          "Make the app exit on SIGTERM within the grace period: check shell-wrapper, python-pid1"
              + " and grace-budget, and raise `terminationGracePeriodSeconds` if the drain really"
              + " needs longer.",
          """
      # observed on pod api-7d9c-x2: container app terminated
      #   exitCode: 137, reason: Error, while the pod had a deletionTimestamp
      """);

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  public List<Finding> check(WorkloadView w, RuleContext ctx) {
    List<Finding> out = new ArrayList<>();
    TerminationCounts.byContainer(w, Termination::sigkilledAtShutdown)
        .forEach(
            (container, n) ->
                out.add(
                    finding(
                        container,
                        "was SIGKILLed at shutdown "
                            + TerminationCounts.times(n)
                            + " in the observed terminations (exit code 137 on a pod being deleted).")));
    return out;
  }
}
