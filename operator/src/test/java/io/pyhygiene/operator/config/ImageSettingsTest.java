package io.pyhygiene.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageSettingsTest {

  @Test
  void defaultsAreTheResolversAndPullSecretsAreOff() {
    ImageSettings s = OperatorSettings.fromEnvironment(Map.of()).images();
    assertThat(s)
        .isEqualTo(
            new ImageSettings(
                10_000,
                64L * 1024 * 1024,
                Duration.ofMinutes(5),
                Duration.ofSeconds(30),
                Duration.ofSeconds(5),
                Duration.ofSeconds(15),
                4,
                10.0,
                4,
                Set.of(),
                false));
  }

  @Test
  void valuesAreParsed() {
    ImageSettings s =
        OperatorSettings.fromEnvironment(
                Map.of(
                    "PYHYGIENE_IMAGE_CACHE_BYTES", "512Ki",
                    "PYHYGIENE_IMAGE_TAG_TTL", "90s",
                    "PYHYGIENE_IMAGE_REGISTRY_RATE", "2.5",
                    "PYHYGIENE_IMAGE_INSECURE_REGISTRIES", " Registry.Corp:5000 , ,mirror.local",
                    "PYHYGIENE_IMAGE_PULL_SECRETS", "true"))
            .images();
    assertThat(s.cacheBytes()).isEqualTo(512L * 1024);
    assertThat(s.tagTtl()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.ratePerRegistry()).isEqualTo(2.5);
    assertThat(s.insecureRegistries())
        .containsExactlyInAnyOrder("registry.corp:5000", "mirror.local");
    assertThat(s.pullSecrets()).isTrue();
  }

  @Test
  void badValuesAreAllNamed() {
    assertThatThrownBy(
            () ->
                OperatorSettings.fromEnvironment(
                    Map.of(
                        "PYHYGIENE_IMAGE_CACHE_BYTES", "lots",
                        "PYHYGIENE_IMAGE_REGISTRY_RATE", "0",
                        "PYHYGIENE_IMAGE_INSECURE_REGISTRIES", "http://x")))
        .hasMessageContaining("PYHYGIENE_IMAGE_CACHE_BYTES=lots")
        .hasMessageContaining("PYHYGIENE_IMAGE_REGISTRY_RATE=0")
        .hasMessageContaining("PYHYGIENE_IMAGE_INSECURE_REGISTRIES=http://x");
  }
}
