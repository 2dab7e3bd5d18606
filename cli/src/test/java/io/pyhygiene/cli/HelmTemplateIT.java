package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pyhygiene.testkit.RealCluster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The output of the real {@code helm template} for a chart that mixes every audited kind with kinds
 * that are not (ServiceAccount, Ingress) and hooks (a migration Job, a test Pod), piped into {@code
 * audit -f -}: audited whole, each workload once, with the chart's Service and ConfigMap in play.
 * helm is the cached build of {@code make tools} ({@code
 * $PYHYGIENE_CACHE/bin/helm-<HELM_VERSION>}); the test fails without it.
 */
class HelmTemplateIT {

  static final ObjectMapper JSON = new ObjectMapper();

  static Path helm() throws IOException {
    String version = null;
    for (String line : Files.readAllLines(RealCluster.repoRoot().resolve("e2e/versions.env"))) {
      if (line.startsWith("HELM_VERSION=")) {
        version = line.substring("HELM_VERSION=".length()).replace("\"", "").trim();
      }
    }
    String cache =
        System.getenv()
            .getOrDefault("PYHYGIENE_CACHE", System.getProperty("user.home") + "/.cache/pyhygiene");
    Path helm = Path.of(cache, "bin", "helm-" + version);
    if (!Files.isExecutable(helm)) {
      throw new AssertionError(helm + " is missing: run `make tools`");
    }
    return helm;
  }

  static String helmTemplate(String... extra) throws Exception {
    Path chart = RealCluster.repoRoot().resolve("cli/src/test/resources/charts/mixed");
    List<String> command =
        new ArrayList<>(
            List.of(
                helm().toString(), "template", "shop", chart.toString(), "--namespace", "shop"));
    command.addAll(List.of(extra));
    Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("helm template: " + err).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  record Result(int code, String out, String err) {}

  static Result audit(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(
                new AuditCommand(
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                    Map.of(),
                    false))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("-f", "-", "--now", "2026-12-02"));
    all.addAll(List.of(args));
    return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
  }

  @Test
  void aChartMixingKindsIsAuditedWhole() throws Exception {
    String rendered = helmTemplate();
    Result r = audit(rendered, "-o", "json");
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isEqualTo(1);
    JsonNode report = JSON.readTree(r.out());
    assertThat(report.path("errors")).isEmpty();
    TreeSet<String> seen = new TreeSet<>();
    report
        .path("workloads")
        .forEach(
            w ->
                seen.add(
                    w.path("kind").asText()
                        + "/"
                        + w.path("name").asText()
                        + (w.path("python").asBoolean() ? "" : " (not Python)")));
    assertThat(seen)
        .containsExactly(
            "CronJob/shop-mixed-cleanup",
            "DaemonSet/shop-mixed-shipper",
            "Deployment/shop-mixed-proxy (not Python)",
            "Deployment/shop-mixed-web",
            "Job/shop-mixed-migrate",
            "Pod/shop-mixed-test",
            "StatefulSet/shop-mixed-worker");
    String web = workload(report, "shop-mixed-web").toString();
    // the chart's Service routes to the web container, and its ConfigMap's script keeps sh as PID 1
    assertThat(web)
        .contains("Service shop-mixed-web routes traffic to it")
        .contains("start-web.sh");
    assertThat(rules(workload(report, "shop-mixed-web")))
        .contains("shell-wrapper", "prestop-missing");
    // a Job's pod is not drained behind a Service: no preStop or readiness findings
    assertThat(rules(workload(report, "shop-mixed-migrate")))
        .doesNotContain("prestop-missing", "readiness-probe-missing")
        .contains("python-pid1");
    assertThat(rules(workload(report, "shop-mixed-cleanup"))).contains("shell-wrapper");
    assertThat(rules(workload(report, "shop-mixed-worker"))).contains("worker-memory");

    // SARIF points each result at the line where its document starts in helm's output
    JsonNode sarif = JSON.readTree(audit(rendered, "-o", "sarif").out());
    String[] lines = rendered.split("\n", -1);
    for (JsonNode result : sarif.path("runs").get(0).path("results")) {
      int line =
          result
              .path("locations")
              .get(0)
              .path("physicalLocation")
              .path("region")
              .path("startLine")
              .asInt();
      assertThat(lines[line - 1]).startsWith("apiVersion:");
      assertThat(lines[line - 2]).startsWith("# Source: mixed/templates/");
    }
  }

  static JsonNode workload(JsonNode report, String name) {
    for (JsonNode w : report.path("workloads")) {
      if (w.path("name").asText().equals(name)) {
        return w;
      }
    }
    throw new AssertionError("no " + name);
  }

  static TreeSet<String> rules(JsonNode workload) {
    TreeSet<String> out = new TreeSet<>();
    workload.path("findings").forEach(f -> out.add(f.path("rule").asText()));
    return out;
  }
}
