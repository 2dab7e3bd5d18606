package io.pyhygiene.policy;

import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.PolicyMode;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.MemoryQuantity;
import io.pyhygiene.workload.WorkloadKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a {@code PythonHygienePolicy} spec into the engine's {@link AuditPolicy}, filling every
 * default, and reports what makes a spec invalid (the same checks back the CLI's {@code --policy}
 * errors and the operator's {@code Invalid} condition). Pure.
 */
public final class PolicyResolver {

  private final Set<String> knownRules;
  private final Set<String> fixableRules;

  public PolicyResolver(List<Rule> catalogue) {
    Set<String> known = new LinkedHashSet<>();
    Set<String> fixable = new LinkedHashSet<>();
    for (Rule r : catalogue) {
      known.add(r.id());
      if (r.autoFixable()) {
        fixable.add(r.id());
      }
    }
    this.knownRules = Set.copyOf(known);
    this.fixableRules = Set.copyOf(fixable);
  }

  /**
   * The outcome of resolving a spec.
   *
   * @param policy the resolved policy (defaults where the spec is invalid)
   * @param errors what is wrong with the spec, each naming the field; empty when valid
   */
  public record Result(AuditPolicy policy, List<String> errors) {
    public boolean valid() {
      return errors.isEmpty();
    }
  }

  public Result resolve(String name, PythonHygienePolicySpec spec) {
    List<String> errors = new ArrayList<>();
    AuditPolicy d = AuditPolicy.defaults();
    if (spec == null) {
      return new Result(rename(d, name), List.of());
    }
    selectorErrors(spec.getNamespaceSelector(), "spec.namespaceSelector", errors);
    selectorErrors(spec.getSelector(), "spec.selector", errors);
    PolicyMode mode =
        spec.getMode() == null ? PolicyMode.Audit : PolicyMode.valueOf(spec.getMode().name());
    boolean labelOnly = spec.getDetection() == PythonHygienePolicySpec.Detection.LabelOnly;

    Map<String, AuditPolicy.RuleOverride> overrides = new LinkedHashMap<>();
    spec.getRules()
        .forEach(
            (id, setting) -> {
              if (!knownRules.contains(id)) {
                errors.add("spec.rules." + id + ": unknown rule id");
                return;
              }
              Severity severity =
                  setting == null || setting.getSeverity() == null
                      ? null
                      : Severity.parse(setting.getSeverity().name()).orElse(null);
              overrides.put(
                  id,
                  new AuditPolicy.RuleOverride(
                      setting == null ? null : setting.getEnabled(), severity));
            });

    int margin = d.marginSeconds();
    int preStop = d.preStopSeconds();
    if (spec.getShutdown() != null) {
      margin =
          nonNegative(
              spec.getShutdown().getMarginSeconds(), margin, "spec.shutdown.marginSeconds", errors);
      preStop =
          nonNegative(
              spec.getShutdown().getPreStopSeconds(),
              preStop,
              "spec.shutdown.preStopSeconds",
              errors);
    }

    Long min = null;
    Long max = null;
    long perWorker = d.memoryPerWorkerBytes();
    long memoryDefault = d.memoryDefaultBytes();
    PythonHygienePolicySpec.Memory m = spec.getMemory();
    if (m != null) {
      min = bytes(m.getMin(), "spec.memory.min", errors);
      max = bytes(m.getMax(), "spec.memory.max", errors);
      Long pw = bytes(m.getPerWorker(), "spec.memory.perWorker", errors);
      perWorker = pw == null ? perWorker : pw;
      Long def = bytes(m.getDefaultLimit(), "spec.memory.default", errors);
      memoryDefault = def == null ? memoryDefault : def;
      if (min != null && max != null && min > max) {
        errors.add("spec.memory: min " + m.getMin() + " is greater than max " + m.getMax());
      }
    }

    long runAsUser = d.runAsUser();
    if (spec.getRunAsUser() != null) {
      if (spec.getRunAsUser() <= 0) {
        errors.add("spec.runAsUser: must be a non-zero, non-negative UID");
      } else {
        runAsUser = spec.getRunAsUser();
      }
    }

    List<AuditPolicy.Exemption> exemptions = new ArrayList<>();
    List<PythonHygienePolicySpec.Exemption> specExemptions = spec.getExemptions();
    for (int i = 0; i < specExemptions.size(); i++) {
      PythonHygienePolicySpec.Exemption e = specExemptions.get(i);
      String where = "spec.exemptions[" + i + "]";
      if (e == null) {
        continue;
      }
      if (e.getReason() == null || e.getReason().isBlank()) {
        errors.add(where + ".reason: required");
      }
      if (e.getRules().isEmpty()) {
        errors.add(where + ".rules: at least one rule id is required");
      }
      for (String id : e.getRules()) {
        if (!knownRules.contains(id)) {
          errors.add(where + ".rules: unknown rule id " + id);
        }
      }
      selectorErrors(e.getSelector(), where + ".selector", errors);
      exemptions.add(
          new AuditPolicy.Exemption(
              blankToNull(e.getNamespace()),
              blankToNull(e.getName()),
              e.getSelector(),
              Set.copyOf(e.getRules()),
              e.getReason()));
    }

    AuditPolicy.Remediation remediation = AuditPolicy.Remediation.off();
    PythonHygienePolicySpec.Remediation r = spec.getRemediation();
    if (r != null) {
      Set<String> rules = new LinkedHashSet<>();
      for (String id : r.getRules() == null ? List.<String>of() : r.getRules()) {
        if (!fixableRules.contains(id)) {
          errors.add(
              "spec.remediation.rules: "
                  + id
                  + (knownRules.contains(id)
                      ? " cannot be fixed automatically"
                      : " is not a rule id"));
        } else {
          rules.add(id);
        }
      }
      int max2 = r.getMaxConcurrentRollouts() == null ? 1 : r.getMaxConcurrentRollouts();
      if (max2 < 1) {
        errors.add("spec.remediation.maxConcurrentRollouts: must be at least 1");
        max2 = 1;
      }
      remediation =
          new AuditPolicy.Remediation(
              Boolean.TRUE.equals(r.getEnabled()),
              Set.copyOf(rules),
              max2,
              Boolean.TRUE.equals(r.getDryRun()));
    }

    Set<WorkloadKind> kinds = AuditPolicy.ALL_KINDS;
    if (spec.getKinds() != null && !spec.getKinds().isEmpty()) {
      Set<WorkloadKind> chosen = new LinkedHashSet<>();
      for (PythonHygienePolicySpec.WorkloadKindName k : spec.getKinds()) {
        if (k != null) {
          WorkloadKind.of(k.name()).ifPresent(chosen::add);
        }
      }
      kinds = Set.copyOf(chosen);
    }
    AuditPolicy.Images images = AuditPolicy.Images.OFF;
    PythonHygienePolicySpec.Images i = spec.getImages();
    if (i != null) {
      String platform =
          i.getPlatform() == null || i.getPlatform().isBlank()
              ? AuditPolicy.Images.OFF.platform()
              : i.getPlatform();
      if (!platform.matches("[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?")) {
        errors.add("spec.images.platform: '" + platform + "' is not os/arch[/variant]");
        platform = AuditPolicy.Images.OFF.platform();
      }
      images =
          new AuditPolicy.Images(
              Boolean.TRUE.equals(i.getResolve()),
              i.getInsecureRegistries() == null ? List.of() : i.getInsecureRegistries(),
              platform);
    }
    AuditPolicy policy =
        new AuditPolicy(
            name == null ? "" : name,
            mode,
            labelOnly,
            Map.copyOf(overrides),
            margin,
            preStop,
            min,
            max,
            perWorker,
            memoryDefault,
            runAsUser,
            List.copyOf(exemptions),
            remediation,
            kinds,
            images);
    return new Result(policy, List.copyOf(errors));
  }

  /**
   * A label value: empty, or at most 63 alphanumerics, '-', '_', '.', alphanumeric at both ends.
   */
  private static final java.util.regex.Pattern LABEL_VALUE =
      java.util.regex.Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?");

  /** A label key: an optional DNS subdomain prefix and '/', then a name like a label value. */
  private static final java.util.regex.Pattern LABEL_KEY =
      java.util.regex.Pattern.compile(
          "([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
              + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  /** A label key or value the API server would reject, said without echoing it (it may be huge). */
  private static void labelErrors(
      String key, List<String> values, String where, List<String> errors) {
    if (key != null
        && !key.isBlank()
        && (key.length() > 317
            || !LABEL_KEY.matcher(key).matches()
            || (key.contains("/") && key.indexOf('/') > 253))) {
      errors.add(
          where
              + ": a key of "
              + key.length()
              + " characters is not a valid label key (an optional DNS prefix and '/', then at"
              + " most 63 alphanumerics, '-', '_' or '.')");
    }
    if (values == null) {
      return;
    }
    for (String v : values) {
      if (v != null && !LABEL_VALUE.matcher(v).matches()) {
        errors.add(
            where
                + ": a value of "
                + v.length()
                + " characters is not a valid label value (at most 63 alphanumerics, '-', '_' or"
                + " '.', beginning and ending with an alphanumeric)");
      }
    }
  }

  /** What the API server would reject in a label selector (the CRD schema cannot say it). */
  private static void selectorErrors(
      io.fabric8.kubernetes.api.model.LabelSelector selector, String field, List<String> errors) {
    if (selector == null) {
      return;
    }
    if (selector.getMatchLabels() != null) {
      selector
          .getMatchLabels()
          .forEach(
              (k, v) ->
                  labelErrors(
                      k, java.util.Collections.singletonList(v), field + ".matchLabels", errors));
    }
    if (selector.getMatchExpressions() == null) {
      return;
    }
    for (int i = 0; i < selector.getMatchExpressions().size(); i++) {
      var r = selector.getMatchExpressions().get(i);
      String where = field + ".matchExpressions[" + i + "]";
      if (r == null) {
        continue;
      }
      String op = r.getOperator() == null ? "" : r.getOperator();
      boolean hasValues = r.getValues() != null && !r.getValues().isEmpty();
      if (r.getKey() == null || r.getKey().isBlank()) {
        errors.add(where + ".key: required");
      }
      labelErrors(r.getKey(), r.getValues(), where, errors);
      switch (op) {
        case "In", "NotIn" -> {
          if (!hasValues) {
            errors.add(where + ".values: required for operator " + op);
          }
        }
        case "Exists", "DoesNotExist" -> {
          if (hasValues) {
            errors.add(where + ".values: must be empty for operator " + op);
          }
        }
        default ->
            errors.add(
                where + ".operator: '" + op + "' is not one of In, NotIn, Exists, DoesNotExist");
      }
    }
  }

  private static AuditPolicy rename(AuditPolicy p, String name) {
    return p.withName(name == null ? "" : name);
  }

  private static int nonNegative(Integer value, int fallback, String field, List<String> errors) {
    if (value == null) {
      return fallback;
    }
    if (value < 0) {
      errors.add(field + ": must not be negative");
      return fallback;
    }
    return value;
  }

  private static Long bytes(String quantity, String field, List<String> errors) {
    if (quantity == null) {
      return null;
    }
    MemoryQuantity q = MemoryQuantity.parse(quantity);
    if (q == null || q.bytes().isEmpty()) {
      errors.add(field + ": '" + quantity + "' is not a memory quantity such as 512Mi");
      return null;
    }
    return q.bytes().getAsLong();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
