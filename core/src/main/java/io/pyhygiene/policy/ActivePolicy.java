package io.pyhygiene.policy;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.LabelSelectors;
import java.util.List;
import java.util.Map;

/**
 * A policy as the operator uses it: its selectors and its resolved parameters.
 *
 * @param name the policy's name
 * @param generation the spec generation it was resolved from
 * @param namespaceSelector which namespaces (by their labels); {@code null} for all
 * @param selector which Deployments (by their labels); {@code null} for all
 * @param resolved the engine's policy
 * @param errors why the spec is invalid; an invalid policy selects nothing until it is fixed
 */
public record ActivePolicy(
    String name,
    long generation,
    LabelSelector namespaceSelector,
    LabelSelector selector,
    AuditPolicy resolved,
    List<String> errors) {

  public boolean valid() {
    return errors.isEmpty();
  }

  public static ActivePolicy of(PythonHygienePolicy p, PolicyResolver resolver) {
    String name = p.getMetadata().getName();
    PolicyResolver.Result r = resolver.resolve(name, p.getSpec());
    Long generation = p.getMetadata().getGeneration();
    return new ActivePolicy(
        name,
        generation == null ? 0 : generation,
        p.getSpec() == null ? null : p.getSpec().getNamespaceSelector(),
        p.getSpec() == null ? null : p.getSpec().getSelector(),
        r.policy(),
        r.errors());
  }

  /** Whether this (valid) policy selects a Deployment with these labels in such a namespace. */
  public boolean selects(Map<String, String> namespaceLabels, Map<String, String> labels) {
    return valid()
        && LabelSelectors.matches(namespaceSelector, namespaceLabels)
        && LabelSelectors.matches(selector, labels);
  }
}
