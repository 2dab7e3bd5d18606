package io.pyhygiene.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The desired behaviour of a {@link PythonHygienePolicy}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PythonHygienePolicySpec {

  /** Quantity syntax for memory sizes (binary or decimal suffix, or plain bytes). */
  static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

  public enum Mode {
    Audit,
    Warn,
    Deny
  }

  public enum Detection {
    Auto,
    LabelOnly
  }

  public enum RuleSeverity {
    error,
    warning,
    info
  }

  @JsonPropertyDescription("Namespaces whose workloads this policy audits; empty selects all.")
  private LabelSelector namespaceSelector;

  @JsonPropertyDescription("Workloads (by their labels) this policy audits; empty selects all.")
  private LabelSelector selector;

  @JsonPropertyDescription(
      "Auto: Deployments labelled pyhygiene.io/runtime=python plus those"
          + " that look like Python (image, command, PYTHON* env). LabelOnly: only labelled ones.")
  @Default("Auto")
  private Detection detection;

  @JsonPropertyDescription(
      "Audit: annotate, report, export metrics. Warn: also admission"
          + " warnings. Deny: admission rejects Deployments with error findings.")
  @Default("Audit")
  private Mode mode;

  @JsonPropertyDescription("Per-rule overrides keyed by rule id: enabled, severity.")
  @Size(max = 64)
  @ValidationRule(
      value = "self.all(k, k in " + RuleIdLists.ALL + ")",
      message = "rules: unknown rule id (see `pyhygiene rules` for the catalogue)")
  private Map<String, RuleSetting> rules;

  @JsonPropertyDescription("Shutdown budget parameters.")
  private Shutdown shutdown;

  @JsonPropertyDescription("Memory parameters (Kubernetes quantities such as 512Mi).")
  private Memory memory;

  @JsonPropertyDescription("UID that run-as-root remediation sets (default 10001).")
  @Min(1)
  private Long runAsUser;

  @JsonPropertyDescription("Which findings the operator fixes by patching the pod template.")
  private Remediation remediation;

  @JsonPropertyDescription("Rules waived for some Deployments, each with a reason.")
  @Size(max = 256)
  private List<Exemption> exemptions;

  /** A per-rule override. */
  @JsonPropertyDescription(
      "Workload kinds this policy audits (Deployment, StatefulSet,"
          + " DaemonSet, ReplicaSet, Job, CronJob, Pod); empty audits all of them.")
  @Size(max = 7)
  private List<WorkloadKindName> kinds;

  @JsonPropertyDescription(
      "Image resolution: read each image's ENTRYPOINT, CMD, USER, ENV and"
          + " STOPSIGNAL from its registry so the rules see what really runs.")
  private Images images;

  /** The kinds a policy can name. */
  public enum WorkloadKindName {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Pod
  }

  public List<WorkloadKindName> getKinds() {
    return kinds;
  }

  public void setKinds(List<WorkloadKindName> kinds) {
    this.kinds = kinds;
  }

  public Images getImages() {
    return images;
  }

  public void setImages(Images images) {
    this.images = images;
  }

  /** Image resolution settings. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Images {
    @JsonPropertyDescription("Read image configs from their registries (default false).")
    private Boolean resolve;

    @JsonPropertyDescription(
        "Registries (HOST[:PORT]) reached over plain HTTP; loopback ones" + " always are.")
    @Size(max = 32)
    private List<String> insecureRegistries;

    @JsonPropertyDescription(
        "Platform picked from a multi-arch image (os/arch[/variant]," + " default linux/amd64).")
    @Pattern("^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$")
    private String platform;

    public Boolean getResolve() {
      return resolve;
    }

    public void setResolve(Boolean resolve) {
      this.resolve = resolve;
    }

    public List<String> getInsecureRegistries() {
      return insecureRegistries;
    }

    public void setInsecureRegistries(List<String> insecureRegistries) {
      this.insecureRegistries = insecureRegistries;
    }

    public String getPlatform() {
      return platform;
    }

    public void setPlatform(String platform) {
      this.platform = platform;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RuleSetting {
    @JsonPropertyDescription("false switches the rule off.")
    private Boolean enabled;

    @JsonPropertyDescription("Replaces the rule's default severity.")
    private RuleSeverity severity;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public RuleSeverity getSeverity() {
      return severity;
    }

    public void setSeverity(RuleSeverity severity) {
      this.severity = severity;
    }
  }

  /** Shutdown budget parameters. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Shutdown {
    @JsonPropertyDescription("Seconds added to preStop + drain for grace-budget (default 5).")
    @Min(0)
    @Max(3600)
    private Integer marginSeconds;

    @JsonPropertyDescription(
        "preStop sleep seconds that prestop-missing remediation adds (default 5).")
    @Min(0)
    @Max(600)
    private Integer preStopSeconds;

    public Integer getMarginSeconds() {
      return marginSeconds;
    }

    public void setMarginSeconds(Integer marginSeconds) {
      this.marginSeconds = marginSeconds;
    }

    public Integer getPreStopSeconds() {
      return preStopSeconds;
    }

    public void setPreStopSeconds(Integer preStopSeconds) {
      this.preStopSeconds = preStopSeconds;
    }
  }

  /** Memory parameters. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value =
          "!has(self.min) || !has(self.max) || quantity(self.min).compareTo(quantity(self.max)) <= 0",
      message = "memory.min must not be greater than memory.max")
  public static class Memory {
    @JsonPropertyDescription("Smallest allowed memory limit (memory-limit-out-of-bounds).")
    @Pattern(QUANTITY)
    private String min;

    @JsonPropertyDescription("Largest allowed memory limit (memory-limit-out-of-bounds).")
    @Pattern(QUANTITY)
    private String max;

    @JsonPropertyDescription("Memory assumed per worker process (worker-memory, default 128Mi).")
    @Pattern(QUANTITY)
    private String perWorker;

    @JsonPropertyDescription(
        "Memory limit that memory-limit-missing remediation sets (default 512Mi).")
    @Pattern(QUANTITY)
    @JsonProperty("default")
    private String defaultLimit;

    public String getMin() {
      return min;
    }

    public void setMin(String min) {
      this.min = min;
    }

    public String getMax() {
      return max;
    }

    public void setMax(String max) {
      this.max = max;
    }

    public String getPerWorker() {
      return perWorker;
    }

    public void setPerWorker(String perWorker) {
      this.perWorker = perWorker;
    }

    @JsonProperty("default")
    public String getDefaultLimit() {
      return defaultLimit;
    }

    @JsonProperty("default")
    public void setDefaultLimit(String value) {
      this.defaultLimit = value;
    }
  }

  /** Remediation settings. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Remediation {
    @JsonPropertyDescription("Master switch (default false).")
    private Boolean enabled;

    @JsonPropertyDescription("Rule ids to fix; only auto-fixable rules are accepted.")
    @Size(max = 32)
    @ValidationRule(
        value = "self.all(r, r in " + RuleIdLists.FIXABLE + ")",
        message = "remediation.rules: only auto-fixable rules can be remediated")
    private List<String> rules;

    @JsonPropertyDescription("Remediation rollouts in flight at once (default 1).")
    @Min(1)
    @Max(100)
    private Integer maxConcurrentRollouts;

    @JsonPropertyDescription(
        "Compute the patch with a server-side dry run and report it, without applying it.")
    private Boolean dryRun;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public List<String> getRules() {
      return rules;
    }

    public void setRules(List<String> rules) {
      this.rules = rules;
    }

    public Integer getMaxConcurrentRollouts() {
      return maxConcurrentRollouts;
    }

    public void setMaxConcurrentRollouts(Integer maxConcurrentRollouts) {
      this.maxConcurrentRollouts = maxConcurrentRollouts;
    }

    public Boolean getDryRun() {
      return dryRun;
    }

    public void setDryRun(Boolean dryRun) {
      this.dryRun = dryRun;
    }
  }

  /** Rules waived for matching Deployments. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Exemption {
    @JsonPropertyDescription("Namespace of the Deployments; empty for any.")
    private String namespace;

    @JsonPropertyDescription("Deployment name; a trailing * matches a prefix; empty for any.")
    private String name;

    @JsonPropertyDescription("Deployment labels; empty for any.")
    private LabelSelector selector;

    @JsonPropertyDescription("Rule ids waived.")
    @Required
    @Size(min = 1, max = 32)
    @ValidationRule(
        value = "self.all(r, r in " + RuleIdLists.ALL + ")",
        message = "exemptions[].rules: unknown rule id")
    private List<String> rules;

    @JsonPropertyDescription("Why these rules do not apply (required).")
    @Required
    @Size(min = 1, max = 1024)
    private String reason;

    public String getNamespace() {
      return namespace;
    }

    public void setNamespace(String namespace) {
      this.namespace = namespace;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public LabelSelector getSelector() {
      return selector;
    }

    public void setSelector(LabelSelector selector) {
      this.selector = selector;
    }

    public List<String> getRules() {
      return rules == null ? new ArrayList<>() : rules;
    }

    public void setRules(List<String> rules) {
      this.rules = rules;
    }

    public String getReason() {
      return reason;
    }

    public void setReason(String reason) {
      this.reason = reason;
    }
  }

  public LabelSelector getNamespaceSelector() {
    return namespaceSelector;
  }

  public void setNamespaceSelector(LabelSelector namespaceSelector) {
    this.namespaceSelector = namespaceSelector;
  }

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public Detection getDetection() {
    return detection;
  }

  public void setDetection(Detection detection) {
    this.detection = detection;
  }

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public Map<String, RuleSetting> getRules() {
    return rules == null ? new LinkedHashMap<>() : rules;
  }

  public void setRules(Map<String, RuleSetting> rules) {
    this.rules = rules;
  }

  public Shutdown getShutdown() {
    return shutdown;
  }

  public void setShutdown(Shutdown shutdown) {
    this.shutdown = shutdown;
  }

  public Memory getMemory() {
    return memory;
  }

  public void setMemory(Memory memory) {
    this.memory = memory;
  }

  public Long getRunAsUser() {
    return runAsUser;
  }

  public void setRunAsUser(Long runAsUser) {
    this.runAsUser = runAsUser;
  }

  public Remediation getRemediation() {
    return remediation;
  }

  public void setRemediation(Remediation remediation) {
    this.remediation = remediation;
  }

  public List<Exemption> getExemptions() {
    return exemptions == null ? new ArrayList<>() : exemptions;
  }

  public void setExemptions(List<Exemption> exemptions) {
    this.exemptions = exemptions;
  }
}
