package io.pyhygiene.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyhygiene.operator.config.OperatorSettings;
import io.pyhygiene.testkit.RealCluster;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
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
 * docs/operations.md is written by hand; this keeps it honest: every setting with its default,
 * every metric the operator exports and every alert the chart ships are in it.
 */
class OperationsGuideTest {

  static String guide() throws Exception {
    return Files.readString(RealCluster.repoRoot().resolve("docs/operations.md"));
  }

  @Test
  void everySettingIsInTheTableWithItsDefault() throws Exception {
    String guide = guide();
    for (OperatorSettings.Variable v : OperatorSettings.VARIABLES) {
      String row = guide.lines().filter(l -> l.startsWith("| `" + v.name() + "` |")).findFirst()
          .orElseThrow(() -> new AssertionError(v.name() + " has no row in docs/operations.md"));
      if (!v.defaultValue().isEmpty()) {
        assertThat(row).as(v.name()).contains("| `" + v.defaultValue() + "` |");
      }
    }
  }

  @Test
  void everyExportedPyhygieneMetricIsDescribed() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PyhygieneMetrics metrics = new PyhygieneMetrics(registry);
    metrics.setWorkloads(Map.of(List.of("shop", "fail"), 1L),
        Map.of(List.of("shop", "run-as-root", "error"), 1L));
    metrics.remediation("run-as-root", "applied");
    metrics.admission("CREATE", "allowed", Duration.ofMillis(2));
    metrics.shutdownSigkilled("shop", "api");
    metrics.oomKilled("shop", "api");

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
    Path alerts = RealCluster.repoRoot().resolve("helm/pyhygiene/files/alerts.yaml");
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
