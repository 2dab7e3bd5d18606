package io.pyhygiene.rules.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The value checks of plaintext-secret-env stay linear in the value's length: env values of up to a
 * MiB are legal, and a quadratic search stalled the reconciler and outlasted the webhook's timeout
 * (found by the fault suite).
 */
class PlaintextSecretEnvRuleTest {

  private static final int MIB = 1 << 20;

  @ParameterizedTest
  @ValueSource(strings = {"x", "-", "a://", "a://u:", "-BEGIN ", "1", " "})
  void aMebibyteValueIsCheckedQuickly(String unit) {
    String value = unit.repeat(MIB / unit.length());
    long t0 = System.nanoTime();
    PlaintextSecretEnvRule.isSecret("BIG", value);
    PlaintextSecretEnvRule.isSecret("BIG", "x".repeat(MIB) + "://u:p" + value);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .as("checking 2 MiB of %s", unit)
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void theValueChecksStillFindSecrets() {
    assertThat(PlaintextSecretEnvRule.isSecret("URL", "postgres://app:hunter2@db:5432/app"))
        .isTrue();
    assertThat(PlaintextSecretEnvRule.isSecret("BROKER", "redis://:hunter2@redis:6379/0")).isTrue();
    assertThat(PlaintextSecretEnvRule.isSecret("URL", "postgres://app:$(DB_PASSWORD)@db/app"))
        .isFalse();
    assertThat(
            PlaintextSecretEnvRule.isSecret(
                "KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"))
        .isTrue();
    assertThat(
            PlaintextSecretEnvRule.isSecret(
                "KEY",
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----"))
        .isTrue();
    assertThat(PlaintextSecretEnvRule.isSecret("URL", "https://example.com/path")).isFalse();
    assertThat(PlaintextSecretEnvRule.isSecret("DB_PASSWORD", "x")).isTrue();
  }
}
