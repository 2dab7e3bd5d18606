package io.pyhygiene.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The cluster-scoped policy that says which Deployments pyhygiene audits, with which rules and
 * parameters, and what it does with the findings. Cluster-scoped because it does not implement
 * {@code Namespaced}.
 */
@Group("pyhygiene.io")
@Version("v1alpha1")
@ShortNames("pyhp")
@AdditionalPrinterColumn(
    name = "Mode",
    jsonPath = ".spec.mode",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Matched",
    jsonPath = ".status.matched",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Pass",
    jsonPath = ".status.passing",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Warn",
    jsonPath = ".status.warning",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Fail",
    jsonPath = ".status.failing",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class PythonHygienePolicy
    extends CustomResource<PythonHygienePolicySpec, PythonHygienePolicyStatus> {

  @Override
  protected PythonHygienePolicySpec initSpec() {
    return new PythonHygienePolicySpec();
  }

  @Override
  protected PythonHygienePolicyStatus initStatus() {
    return new PythonHygienePolicyStatus();
  }
}
