package io.pyhygiene.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.Versions;
import org.junit.jupiter.api.Test;

class UserAgentTest {

  @Test
  void theUserAgentNamesTheReplicaAfterTheVersionThatAuditLogReadersMatch() {
    assertThat(OperatorApp.userAgent("pyhygiene-7d9f-abcde"))
        .isEqualTo("pyhygiene/" + Versions.current() + " (pyhygiene-7d9f-abcde)")
        .startsWith("pyhygiene/");
  }

  @Test
  void twoReplicasSendDifferentUserAgents() {
    assertThat(OperatorApp.userAgent("replica-a")).isNotEqualTo(OperatorApp.userAgent("replica-b"));
  }
}
