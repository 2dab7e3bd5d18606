package io.pyhygiene.engine;

import java.time.LocalDate;
import java.util.Set;

/**
 * What a rule may read besides the workload.
 *
 * @param policy the resolved policy parameters
 * @param today the engine clock's date (UTC), for end-of-life checks
 * @param knownRuleIds every rule id in the catalogue, for checking exemption annotations
 */
public record RuleContext(AuditPolicy policy, LocalDate today, Set<String> knownRuleIds) {}
