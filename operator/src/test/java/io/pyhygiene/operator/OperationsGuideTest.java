package io.pyhygiene.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyhygiene.operator.config.OperatorSettings;
import io.pyhygiene.operator.config.Setting;
import io.pyhygiene.operator.images.ImageMetrics;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.registry.Resolution.Reason;
import io.pyhygiene.testkit.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md is written by hand; this keeps it honest: every setting with its default and
 * its description (the {@link Setting} objects the operator reads and {@code run --help} prints),
 * every metric the operator exports and every alert the chart ships are in it. Reads files only.
 */
class OperationsGuideTest {

  static String guide() throws Exception {
    return Files.readString(Repository.file("docs/operations.md"));
  }

  @Test
  void everySettingIsInTheTableWithItsDefaultAndDescription() throws Exception {
    String guide = guide();
    for (Setting<?> setting : OperatorSettings.SETTINGS) {
      String row =
          guide
              .lines()
              .filter(l -> l.startsWith("| `" + setting.key() + "` |"))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError(setting.key() + " has no row in docs/operations.md"));
      String[] cells = row.split(" \\| ");
      assertThat(cells).as(row).hasSize(3);
      assertThat(cells[1])
          .as("default of %s", setting.key())
          .isEqualTo(setting.documentedDefault());
      // The guide may set code in backticks; the words are the setting's own.
      assertThat(cells[2].replace("`", "").replaceAll(" \\|$", ""))
          .as(setting.key())
          .isEqualTo(setting.description());
    }
    assertThat(guide.lines().filter(l -> l.matches("\\| `[A-Z_]+` \\|.*")).count())
        .as("rows in the settings table")
        .isEqualTo(OperatorSettings.SETTINGS.size());
  }

  @Test
  void everyDefaultIsValid() {
    for (Setting<?> setting : OperatorSettings.SETTINGS) {
      assertThat(setting.parser().apply(setting.defaultValue())).as(setting.key()).isNotNull();
    }
  }

  @Test
  void everyExportedPyhygieneMetricIsDescribed() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PyhygieneMetrics metrics = new PyhygieneMetrics(registry);
    metrics.setWorkloads(
        Map.of(List.of("shop", "Deployment", "fail"), 1L),
        Map.of(List.of("shop", "Deployment", "run-as-root", "error"), 1L));
    metrics.remediation("run-as-root", "applied");
    metrics.admission("CREATE", "allowed", Duration.ofMillis(2));
    metrics.shutdownSigkilled("shop", "Deployment", "api");
    metrics.oomKilled("shop", "Deployment", "api");
    ImageMetrics images = new ImageMetrics(registry);
    images.cacheHit("ghcr.io");
    images.cacheMiss("ghcr.io");
    images.resolved("ghcr.io", Duration.ofMillis(40));
    images.failed("ghcr.io", Reason.UNAUTHORIZED);
    images.tagMoved("ghcr.io/acme/api:1.4", "sha256:aa", "sha256:bb");

    Set<String> families = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^# TYPE (pyhygiene_\\w+) (\\w+)").matcher(registry.scrape());
    while (m.find()) {
      families.add(m.group(1).replaceAll("_max$", ""));
    }
    assertThat(families).as("exported families").hasSizeGreaterThanOrEqualTo(7);
    String guide = guide();
    assertThat(families).allSatisfy(f -> assertThat(guide).contains("`" + f + "`"));
  }

  @Test
  void everyShippedAlertIsNamed() throws Exception {
    Path alerts = Repository.file("helm/pyhygiene/files/alerts.yaml");
    Matcher m = Pattern.compile("(?m)^\\s*- alert: (\\w+)").matcher(Files.readString(alerts));
    String guide = guide();
    int n = 0;
    while (m.find()) {
      n++;
      assertThat(guide).contains("`" + m.group(1) + "`");
    }
    assertThat(n).as("alerts found").isGreaterThan(0);
  }
}
