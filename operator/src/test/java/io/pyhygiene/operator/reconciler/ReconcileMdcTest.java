package io.pyhygiene.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class ReconcileMdcTest {

  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  void eachReconcileGetsItsOwnIdAndLeavesOnlyWhatWasThereBefore() {
    MDC.put("resource.name", "set-by-josdk");
    String first;
    try (ReconcileMdc mdc = ReconcileMdc.open().put("namespace", "shop").put("name", "api")) {
      mdc.put("policy", "default").put("policy", "default,strict");
      first = MDC.get(ReconcileMdc.RECONCILE_ID);
      assertThat(first).matches("[0-9a-f]{8}");
      assertThat(MDC.get("namespace")).isEqualTo("shop");
      assertThat(MDC.get("policy")).isEqualTo("default,strict");
    }
    assertThat(MDC.getCopyOfContextMap()).containsOnlyKeys("resource.name");

    try (ReconcileMdc mdc = ReconcileMdc.open()) {
      assertThat(MDC.get(ReconcileMdc.RECONCILE_ID)).matches("[0-9a-f]{8}").isNotEqualTo(first);
    }
    assertThat(MDC.get(ReconcileMdc.RECONCILE_ID)).isNull();
  }
}
