package io.pyhygiene.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.DefaultResourceClassResolver;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.workload.WorkloadKind;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadReconcilersTest {

  @Test
  void oneReconcilerPerKindWhosePrimaryTypeJosdkResolves() {
    List<WorkloadReconciler<?>> all =
        WorkloadReconcilers.all(new WorkloadReconciler.Wiring(null, null, null, null));
    assertThat(all)
        .extracting(WorkloadReconciler::kind)
        .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(WorkloadKind.class));
    for (WorkloadReconciler<?> r : all) {
      @SuppressWarnings({"unchecked", "rawtypes"})
      Class<? extends HasMetadata> primary =
          new DefaultResourceClassResolver().getPrimaryResourceClass((Class) r.getClass());
      assertThat(primary).as(r.kind().kind()).isEqualTo(WorkloadId.type(r.kind()));
    }
  }
}
