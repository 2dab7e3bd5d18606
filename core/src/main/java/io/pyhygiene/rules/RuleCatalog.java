package io.pyhygiene.rules;

import io.pyhygiene.engine.Rule;
import io.pyhygiene.rules.evidence.OomKilledRule;
import io.pyhygiene.rules.evidence.RemediationConflictRule;
import io.pyhygiene.rules.evidence.ShutdownSigkilledRule;
import io.pyhygiene.rules.policy.ExemptionReasonMissingRule;
import io.pyhygiene.rules.policy.ExemptionUnknownRuleRule;
import io.pyhygiene.rules.resources.MemoryLimitMissingRule;
import io.pyhygiene.rules.resources.MemoryLimitOutOfBoundsRule;
import io.pyhygiene.rules.resources.MemoryRequestMissingRule;
import io.pyhygiene.rules.resources.WorkerMemoryRule;
import io.pyhygiene.rules.runtime.AlpinePythonRule;
import io.pyhygiene.rules.runtime.DebugEnabledRule;
import io.pyhygiene.rules.runtime.ImageTagMutableRule;
import io.pyhygiene.rules.runtime.PythonEolRule;
import io.pyhygiene.rules.runtime.PythonUnbufferedRule;
import io.pyhygiene.rules.security.CapabilitiesNotDroppedRule;
import io.pyhygiene.rules.security.PlaintextSecretEnvRule;
import io.pyhygiene.rules.security.PrivilegeEscalationRule;
import io.pyhygiene.rules.security.PrivilegedRule;
import io.pyhygiene.rules.security.RunAsRootRule;
import io.pyhygiene.rules.security.SeccompUnsetRule;
import io.pyhygiene.rules.security.WritableRootFsRule;
import io.pyhygiene.rules.shutdown.GraceBudgetRule;
import io.pyhygiene.rules.shutdown.PrestopMissingRule;
import io.pyhygiene.rules.shutdown.ReadinessProbeMissingRule;
import io.pyhygiene.rules.signals.CommandUnknownRule;
import io.pyhygiene.rules.signals.PythonPid1Rule;
import io.pyhygiene.rules.signals.ShellWrapperRule;
import java.util.List;

/**
 * Every rule, in the order of DESIGN's catalogue (which is also the report order): the static
 * rules, then the runtime-evidence rules the operator feeds with observations, then the rules
 * about pyhygiene's own configuration on a workload.
 */
public final class RuleCatalog {

  private RuleCatalog() {}

  /** A fresh list of the rules; rules are stateless. */
  public static List<Rule> all() {
    return List.of(
        new ShellWrapperRule(),
        new PythonPid1Rule(),
        new CommandUnknownRule(),
        new RunAsRootRule(),
        new PrivilegedRule(),
        new PrivilegeEscalationRule(),
        new CapabilitiesNotDroppedRule(),
        new WritableRootFsRule(),
        new SeccompUnsetRule(),
        new MemoryLimitMissingRule(),
        new MemoryRequestMissingRule(),
        new MemoryLimitOutOfBoundsRule(),
        new WorkerMemoryRule(),
        new GraceBudgetRule(),
        new PrestopMissingRule(),
        new ReadinessProbeMissingRule(),
        new PythonUnbufferedRule(),
        new ImageTagMutableRule(),
        new AlpinePythonRule(),
        new PythonEolRule(),
        new DebugEnabledRule(),
        new PlaintextSecretEnvRule(),
        new ShutdownSigkilledRule(),
        new OomKilledRule(),
        new RemediationConflictRule(),
        new ExemptionReasonMissingRule(),
        new ExemptionUnknownRuleRule());
  }
}
