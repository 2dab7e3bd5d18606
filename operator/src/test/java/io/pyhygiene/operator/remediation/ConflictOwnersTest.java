package io.pyhygiene.operator.remediation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.pyhygiene.operator.reconciler.Pruning;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Remediation decides whether to force over a conflicting owner from the Deployment in the informer
 * cache, which {@link Pruning} has slimmed: the decision must survive the pruning.
 */
class ConflictOwnersTest {

  private static ManagedFieldsEntry entry(String manager, String operation) {
    return new ManagedFieldsEntryBuilder()
        .withManager(manager)
        .withOperation(operation)
        .withApiVersion("apps/v1")
        .withFieldsType("FieldsV1")
        .withFieldsV1(fields())
        .build();
  }

  private static FieldsV1 fields() {
    FieldsV1 f = new FieldsV1();
    f.setAdditionalProperty("f:spec", Map.of("f:template", Map.of()));
    return f;
  }

  private static Deployment cached() {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("web")
            .withNamespace("shop")
            .withManagedFields(
                entry("kubectl-create", "Update"),
                entry("argocd-controller", "Apply"),
                entry("pyhygiene", "Apply"))
            .endMetadata()
            .build();
    return Pruning.workload(d);
  }

  @Test
  void aManagerThatOnlyCreatedOrUpdatedIsKnownAfterPruning() {
    assertThat(Remediator.onlyPlainUpdates(cached(), "kubectl-create")).isTrue();
  }

  @Test
  void aServerSideApplierIsNeverForcedAfterPruning() {
    assertThat(Remediator.onlyPlainUpdates(cached(), "argocd-controller")).isFalse();
  }

  @Test
  void onlyPyhygienesOwnApplyKeepsItsFieldSet() {
    var entries = cached().getMetadata().getManagedFields();
    assertThat(entries)
        .filteredOn(e -> e.getFieldsV1() != null)
        .extracting(ManagedFieldsEntry::getManager)
        .containsExactly("pyhygiene");
    assertThat(entries)
        .extracting(ManagedFieldsEntry::getManager)
        .containsExactly("kubectl-create", "argocd-controller", "pyhygiene");
  }
}
