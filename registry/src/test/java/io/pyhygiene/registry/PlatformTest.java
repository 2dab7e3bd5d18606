package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlatformTest {

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      linux/amd64     | linux/amd64     | true
      linux/amd64     | linux/x86_64    | true
      linux/amd64     | linux/arm64     | false
      linux/amd64     | windows/amd64   | false
      linux/arm64     | linux/arm64     | true
      linux/arm64     | linux/arm64/v8  | true
      linux/arm64/v8  | linux/arm64     | true
      linux/arm64     | linux/aarch64   | true
      linux/arm       | linux/arm/v7    | true
      linux/arm/v7    | linux/arm       | true
      linux/arm/v6    | linux/arm/v7    | false
      linux/arm/v6    | linux/arm/6     | true
      LINUX/AMD64     | linux/amd64     | true
      """)
  void matchesAsContainerd(String wanted, String candidate, boolean matches) {
    assertThat(Platform.parse(wanted).matches(Platform.parse(candidate))).isEqualTo(matches);
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux", "linux/", "/amd64", "linux/arm/", "a/b/c/d"})
  void refusesMalformed(String text) {
    assertThatThrownBy(() -> Platform.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("os/arch[/variant]");
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux/amd64", "linux/arm64/v8", "windows/amd64"})
  void printsAsWritten(String text) {
    assertThat(Platform.parse(text)).hasToString(text);
  }
}
