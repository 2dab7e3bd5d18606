package io.pyhygiene.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorSettingsTest {

  @Test
  void defaults() {
    OperatorSettings s = OperatorSettings.fromEnvironment(Map.of());
    assertThat(s.watchNamespaces()).isEmpty();
    assertThat(s.httpPort()).isEqualTo(8080);
    assertThat(s.webhookPort()).isEqualTo(8443);
    assertThat(s.leaderElection()).isFalse();
    assertThat(s.leaseNamespace()).isEqualTo("default");
    assertThat(s.evidenceWindow()).isEqualTo(Duration.ofHours(1));
    assertThat(s.reportInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.podName()).isEmpty();
    assertThat(s.operatorNamespace()).isEmpty();
  }

  @Test
  void podVariablesAreSettingsToo() {
    OperatorSettings s =
        OperatorSettings.fromEnvironment(
            Map.of(
                "POD_NAME",
                "pyhygiene-7d9f-x2",
                "POD_NAMESPACE",
                "pyhygiene-system",
                "PYHYGIENE_OPERATOR_NAMESPACE",
                "ops"));
    assertThat(s.podName()).isEqualTo("pyhygiene-7d9f-x2");
    assertThat(s.operatorNamespace())
        .as("the explicit setting wins over POD_NAMESPACE")
        .isEqualTo("ops");
    assertThat(s.leaseNamespace()).isEqualTo("ops");
  }

  @Test
  void readsEveryVariable() {
    OperatorSettings s =
        OperatorSettings.fromEnvironment(
            Map.of(
                "PYHYGIENE_WATCH_NAMESPACES", "shop, billing",
                "PYHYGIENE_HTTP_PORT", "9090",
                "PYHYGIENE_LEADER_ELECTION", "true",
                "POD_NAMESPACE", "pyhygiene-system",
                "PYHYGIENE_EVIDENCE_WINDOW", "30m",
                "PYHYGIENE_REPORT_INTERVAL", "500ms",
                "PYHYGIENE_RECONCILE_THREADS", "8"));
    assertThat(s.watchNamespaces()).containsExactlyInAnyOrder("shop", "billing");
    assertThat(s.httpPort()).isEqualTo(9090);
    assertThat(s.leaderElection()).isTrue();
    assertThat(s.operatorNamespace()).isEqualTo("pyhygiene-system");
    assertThat(s.leaseNamespace()).isEqualTo("pyhygiene-system");
    assertThat(s.evidenceWindow()).isEqualTo(Duration.ofMinutes(30));
    assertThat(s.reportInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.reconcileThreads()).isEqualTo(8);
  }

  @Test
  void badValuesAreNamedAllAtOnce() {
    assertThatThrownBy(
            () ->
                OperatorSettings.fromEnvironment(
                    Map.of(
                        "PYHYGIENE_HTTP_PORT",
                        "eighty",
                        "PYHYGIENE_LEADER_ELECTION",
                        "yes please",
                        "PYHYGIENE_EVIDENCE_WINDOW",
                        "forever",
                        "PYHYGIENE_WATCH_NAMESPACES",
                        "Shop_1",
                        "PYHYGIENE_LOG_LEVEL",
                        "loud")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PYHYGIENE_HTTP_PORT=eighty: expected a port number")
        .hasMessageContaining("PYHYGIENE_LEADER_ELECTION=yes please: expected true or false")
        .hasMessageContaining("PYHYGIENE_EVIDENCE_WINDOW=forever: expected a duration")
        .hasMessageContaining("PYHYGIENE_WATCH_NAMESPACES=Shop_1")
        .hasMessageContaining("PYHYGIENE_LOG_LEVEL=loud: expected ERROR, WARN");
    assertThatThrownBy(
            () -> OperatorSettings.fromEnvironment(Map.of("PYHYGIENE_WEBHOOK_PORT", "8080")))
        .hasMessageContaining("must differ from PYHYGIENE_HTTP_PORT");
  }
}
