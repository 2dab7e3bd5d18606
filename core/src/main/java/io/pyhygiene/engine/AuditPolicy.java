package io.pyhygiene.engine;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.pyhygiene.workload.WorkloadKind;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A policy with every default filled in: what the engine evaluates against. Built from a {@code
 * PythonHygienePolicy} spec by {@code PolicyResolver}, or {@link #defaults()}.
 *
 * @param name the policy's name ({@code ""} for the built-in defaults)
 * @param mode Audit, Warn or Deny
 * @param labelOnly detection {@code LabelOnly}: only workloads tagged {@code pyhygiene.io/runtime:
 *     python}
 * @param rules per-rule overrides by id
 * @param marginSeconds safety margin added to the shutdown budget
 * @param preStopSeconds preStop sleep the remediation adds
 * @param memoryMinBytes lower bound for memory limits, or {@code null}
 * @param memoryMaxBytes upper bound for memory limits, or {@code null}
 * @param memoryPerWorkerBytes memory assumed per worker process
 * @param memoryDefaultBytes memory limit the remediation sets
 * @param runAsUser UID the remediation sets
 * @param exemptions policy-level exemptions
 * @param remediation which rules the operator may fix
 * @param kinds the workload kinds the policy audits (default: every audited kind)
 * @param images image resolution: whether to read image configs, and how
 */
public record AuditPolicy(
    String name,
    PolicyMode mode,
    boolean labelOnly,
    Map<String, RuleOverride> rules,
    int marginSeconds,
    int preStopSeconds,
    Long memoryMinBytes,
    Long memoryMaxBytes,
    long memoryPerWorkerBytes,
    long memoryDefaultBytes,
    long runAsUser,
    List<Exemption> exemptions,
    Remediation remediation,
    Set<WorkloadKind> kinds,
    Images images) {

  /** A policy of every kind with image resolution off (the shape before kinds and images). */
  public AuditPolicy(
      String name,
      PolicyMode mode,
      boolean labelOnly,
      Map<String, RuleOverride> rules,
      int marginSeconds,
      int preStopSeconds,
      Long memoryMinBytes,
      Long memoryMaxBytes,
      long memoryPerWorkerBytes,
      long memoryDefaultBytes,
      long runAsUser,
      List<Exemption> exemptions,
      Remediation remediation) {
    this(
        name,
        mode,
        labelOnly,
        rules,
        marginSeconds,
        preStopSeconds,
        memoryMinBytes,
        memoryMaxBytes,
        memoryPerWorkerBytes,
        memoryDefaultBytes,
        runAsUser,
        exemptions,
        remediation,
        ALL_KINDS,
        Images.OFF);
  }

  /** Every kind pyhygiene audits. */
  public static final Set<WorkloadKind> ALL_KINDS = Set.copyOf(EnumSet.allOf(WorkloadKind.class));

  /**
   * Image resolution: read each image's config from its registry.
   *
   * @param resolve whether to resolve
   * @param insecureRegistries registries reached over plain HTTP besides loopback ones
   * @param platform the platform to pick from a multi-arch index ({@code os/arch[/variant]})
   */
  public record Images(boolean resolve, List<String> insecureRegistries, String platform) {
    public static final Images OFF = new Images(false, List.of(), "linux/amd64");

    public Images {
      insecureRegistries = List.copyOf(insecureRegistries);
    }
  }

  public AuditPolicy withName(String newName) {
    return new AuditPolicy(
        newName,
        mode,
        labelOnly,
        rules,
        marginSeconds,
        preStopSeconds,
        memoryMinBytes,
        memoryMaxBytes,
        memoryPerWorkerBytes,
        memoryDefaultBytes,
        runAsUser,
        exemptions,
        remediation,
        kinds,
        images);
  }

  public AuditPolicy withRemediation(Remediation r) {
    return new AuditPolicy(
        name,
        mode,
        labelOnly,
        rules,
        marginSeconds,
        preStopSeconds,
        memoryMinBytes,
        memoryMaxBytes,
        memoryPerWorkerBytes,
        memoryDefaultBytes,
        runAsUser,
        exemptions,
        r,
        kinds,
        images);
  }

  public AuditPolicy withKinds(Set<WorkloadKind> k) {
    return new AuditPolicy(
        name,
        mode,
        labelOnly,
        rules,
        marginSeconds,
        preStopSeconds,
        memoryMinBytes,
        memoryMaxBytes,
        memoryPerWorkerBytes,
        memoryDefaultBytes,
        runAsUser,
        exemptions,
        remediation,
        Set.copyOf(k),
        images);
  }

  public AuditPolicy withImages(Images i) {
    return new AuditPolicy(
        name,
        mode,
        labelOnly,
        rules,
        marginSeconds,
        preStopSeconds,
        memoryMinBytes,
        memoryMaxBytes,
        memoryPerWorkerBytes,
        memoryDefaultBytes,
        runAsUser,
        exemptions,
        remediation,
        kinds,
        i);
  }

  public static final int DEFAULT_MARGIN_SECONDS = 5;
  public static final int DEFAULT_PRESTOP_SECONDS = 5;
  public static final long DEFAULT_PER_WORKER_BYTES = 128L * 1024 * 1024;
  public static final long DEFAULT_MEMORY_BYTES = 512L * 1024 * 1024;
  public static final long DEFAULT_RUN_AS_USER = 10001;

  /**
   * A per-rule override.
   *
   * @param enabled {@code false} switches the rule off; {@code null} keeps it on
   * @param severity replaces the rule's default severity when set
   */
  public record RuleOverride(Boolean enabled, Severity severity) {}

  /**
   * Rules a policy waives for some workloads.
   *
   * @param namespace the namespace, or {@code null} for any
   * @param name the workload name, or {@code null} for any; a trailing {@code *} matches a prefix
   * @param selector workload labels, or {@code null} for any
   * @param rules the rule ids waived
   * @param reason why (required)
   */
  public record Exemption(
      String namespace, String name, LabelSelector selector, Set<String> rules, String reason) {}

  /**
   * What the operator may patch.
   *
   * @param enabled master switch
   * @param rules rule ids to fix
   * @param maxConcurrentRollouts remediation rollouts in flight at once
   * @param dryRun compute and show the patch (server-side dry run) without applying it
   */
  public record Remediation(
      boolean enabled, Set<String> rules, int maxConcurrentRollouts, boolean dryRun) {
    public static Remediation off() {
      return new Remediation(false, Set.of(), 1, false);
    }
  }

  public static AuditPolicy defaults() {
    return new AuditPolicy(
        "",
        PolicyMode.Audit,
        false,
        Map.of(),
        DEFAULT_MARGIN_SECONDS,
        DEFAULT_PRESTOP_SECONDS,
        null,
        null,
        DEFAULT_PER_WORKER_BYTES,
        DEFAULT_MEMORY_BYTES,
        DEFAULT_RUN_AS_USER,
        List.of(),
        Remediation.off());
  }

  public boolean enabled(String ruleId) {
    RuleOverride o = rules.get(ruleId);
    return o == null || o.enabled() == null || o.enabled();
  }

  public Severity severity(String ruleId, Severity defaultSeverity) {
    RuleOverride o = rules.get(ruleId);
    return o == null || o.severity() == null ? defaultSeverity : o.severity();
  }
}
