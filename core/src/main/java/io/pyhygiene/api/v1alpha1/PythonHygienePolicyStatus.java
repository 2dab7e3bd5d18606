package io.pyhygiene.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the operator observed for a {@link PythonHygienePolicy}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PythonHygienePolicyStatus {

  @JsonPropertyDescription("The spec generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, and Invalid with the reason when the spec cannot be applied.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Deployments this policy selects that are Python services.")
  private Integer matched;

  @JsonPropertyDescription("Matched Deployments with verdict pass.")
  private Integer passing;

  @JsonPropertyDescription("Matched Deployments with verdict warn.")
  private Integer warning;

  @JsonPropertyDescription("Matched Deployments with verdict fail.")
  private Integer failing;

  @JsonPropertyDescription("Findings by rule id across matched Deployments.")
  private Map<String, Integer> violations = new TreeMap<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public Integer getMatched() {
    return matched;
  }

  public void setMatched(Integer matched) {
    this.matched = matched;
  }

  public Integer getPassing() {
    return passing;
  }

  public void setPassing(Integer passing) {
    this.passing = passing;
  }

  public Integer getWarning() {
    return warning;
  }

  public void setWarning(Integer warning) {
    this.warning = warning;
  }

  public Integer getFailing() {
    return failing;
  }

  public void setFailing(Integer failing) {
    this.failing = failing;
  }

  public Map<String, Integer> getViolations() {
    return violations;
  }

  public void setViolations(Map<String, Integer> violations) {
    this.violations = violations;
  }
}
