package io.pyhygiene.operator.report;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicyStatus;
import io.pyhygiene.operator.writer.WorkloadWriter;
import io.pyhygiene.policy.ActivePolicy;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a policy's status subresource, only when it changed. What it cannot write now (the audit
 * store is still partial, or the write failed) it marks dirty in the store, so the next publishing
 * round tries again.
 */
public final class PolicyStatusWriter {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyStatusWriter.class);

  private final KubernetesClient client;
  private final AuditStore store;
  private final Clock clock;

  public PolicyStatusWriter(KubernetesClient client, AuditStore store, Clock clock) {
    this.client = client;
    this.store = store;
    this.clock = clock;
  }

  /** Returns whether it wrote. */
  public boolean sync(PythonHygienePolicy policy, ActivePolicy active) {
    if (!store.complete()) {
      // Counts from a partial store would be wrong; the first publishing round writes it.
      store.markPolicyDirty(policy.getMetadata().getName());
      return false;
    }
    PythonHygienePolicyStatus current = policy.getStatus();
    PythonHygienePolicyStatus desired =
        PolicyStatuses.compute(active, store.entries(), current, clock.instant());
    if (PolicyStatuses.same(desired, current)) {
      return false;
    }
    PythonHygienePolicy apply = new PythonHygienePolicy();
    apply.getMetadata().setName(policy.getMetadata().getName());
    apply.setSpec(null);
    apply.setStatus(desired);
    try {
      client
          .resources(PythonHygienePolicy.class)
          .resource(apply)
          .subresource("status")
          .patch(
              new PatchContext.Builder()
                  .withPatchType(PatchType.SERVER_SIDE_APPLY)
                  .withFieldManager(WorkloadWriter.FIELD_MANAGER)
                  .withForce(true)
                  .build());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false; // deleted meanwhile
      }
      LOG.warn(
          "could not write status of policy {}, will retry: {}",
          policy.getMetadata().getName(),
          e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage());
      store.markPolicyDirty(policy.getMetadata().getName());
      return false;
    }
  }
}
