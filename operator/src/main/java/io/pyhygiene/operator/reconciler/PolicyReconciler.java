package io.pyhygiene.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.report.PolicyStatusWriter;
import io.pyhygiene.policy.ActivePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates each PythonHygienePolicy and keeps its status (observedGeneration, Ready/Invalid with
 * the reason, counts) current. An invalid spec is reported, never a crash; it selects nothing until
 * fixed. Re-auditing the Deployments a policy selects is the Deployment reconciler's job (its
 * policy event source maps a policy to exactly those Deployments).
 */
@ControllerConfiguration(name = "policies")
public final class PolicyReconciler implements Reconciler<PythonHygienePolicy> {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyReconciler.class);

  private final PolicyCatalog catalog;
  private final PolicyStatusWriter statusWriter;

  public PolicyReconciler(PolicyCatalog catalog, PolicyStatusWriter statusWriter) {
    this.catalog = catalog;
    this.statusWriter = statusWriter;
  }

  @Override
  public UpdateControl<PythonHygienePolicy> reconcile(
      PythonHygienePolicy policy, Context<PythonHygienePolicy> context) {
    try (ReconcileMdc ignored = ReconcileMdc.open().put("policy", policy.getMetadata().getName())) {
      ActivePolicy active = catalog.resolve(policy);
      if (!active.valid()) {
        LOG.warn("policy is invalid: {}", String.join("; ", active.errors()));
      }
      statusWriter.sync(policy, active);
      return UpdateControl.noUpdate();
    }
  }
}
