package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.ImageFacts;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What image resolution and cluster scans add to the reports. */
class ReportsTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static final ImageFacts RESOLVED =
      ImageFacts.resolved(
          new ImageFacts.Config(
              "sha256:abc", List.of(), List.of("gunicorn", "app:app"), "", List.of(), "", ""));

  static AuditRun run(boolean requested, String source) {
    WorkloadAudit audit =
        new WorkloadAudit(
            "Deployment",
            "shop",
            "web",
            true,
            Verdict.FAIL,
            List.of(
                new Finding("run-as-root", Severity.ERROR, "app", "runs as root.", "Set it."),
                new Finding(
                    "image-unresolved", Severity.INFO, "side", "could not read.", "Fix it."),
                new Finding(
                    "exemption-reason-missing", Severity.WARNING, "", "no reason.", "Add one.")),
            List.of());
    List<AuditRun.Image> images =
        List.of(
            new AuditRun.Image("app", "reg.example/web:1", RESOLVED),
            new AuditRun.Image(
                "side", "reg.example/side:1", ImageFacts.unresolved("HTTP 401 from reg.example")));
    return new AuditRun(
        List.of(
            new AuditRun.Audited(
                source, source.isEmpty() ? 0 : 1, source.isEmpty() ? 0 : 3, audit, images)),
        List.of(),
        List.of(
            new AuditRun.ReadError(
                "team-b",
                List.of("deployments", "pods"),
                403,
                "cannot list deployments, pods (403 Forbidden)")),
        requested);
  }

  @Test
  void jsonCarriesTheDigestUsedPerContainerAndFinding() throws Exception {
    JsonNode root = JSON.readTree(JsonReport.render(run(true, "k8s.yaml")));
    JsonNode w = root.path("workloads").get(0);
    assertThat(w.path("images").get(0).path("digest").asText()).isEqualTo("sha256:abc");
    assertThat(w.path("images").get(0).path("state").asText()).isEqualTo("resolved");
    assertThat(w.path("images").get(1).path("digest").isNull()).isTrue();
    assertThat(w.path("images").get(1).path("reason").asText())
        .isEqualTo("HTTP 401 from reg.example");
    assertThat(w.path("findings").get(0).path("digest").asText()).isEqualTo("sha256:abc");
    assertThat(w.path("findings").get(1).path("digest").isNull()).isTrue();
    assertThat(w.path("findings").get(2).has("digest")).isFalse(); // workload-level
    JsonNode error = root.path("errors").get(0);
    assertThat(error.path("source").asText()).isEqualTo("cluster");
    assertThat(error.path("namespace").asText()).isEqualTo("team-b");
    assertThat(error.path("status").asInt()).isEqualTo(403);
    assertThat(error.path("resources")).hasSize(2);
  }

  @Test
  void withoutResolutionTheJsonIsUnchanged() throws Exception {
    JsonNode w = JSON.readTree(JsonReport.render(run(false, "k8s.yaml"))).path("workloads").get(0);
    assertThat(w.has("images")).isFalse();
    assertThat(w.path("findings").get(0).has("digest")).isFalse();
  }

  @Test
  void sarifPutsTheDigestInPropertiesAndClusterObjectsHaveLogicalLocationsOnly() throws Exception {
    JsonNode sarif = JSON.readTree(SarifReport.render(run(true, ""), RuleCatalog.all(), "test"));
    JsonNode result = sarif.path("runs").get(0).path("results").get(0);
    assertThat(result.path("properties").path("digest").asText()).isEqualTo("sha256:abc");
    assertThat(result.path("properties").path("image").asText()).isEqualTo("reg.example/web:1");
    assertThat(result.path("locations").get(0).has("physicalLocation")).isFalse();
    assertThat(
            result
                .path("locations")
                .get(0)
                .path("logicalLocations")
                .get(0)
                .path("fullyQualifiedName")
                .asText())
        .isEqualTo("shop/web/app");
    JsonNode invocation = sarif.path("runs").get(0).path("invocations").get(0);
    assertThat(invocation.path("executionSuccessful").asBoolean()).isFalse();
    assertThat(
            invocation
                .path("toolExecutionNotifications")
                .get(0)
                .path("message")
                .path("text")
                .asText())
        .startsWith("namespace team-b: cannot list deployments, pods");
    JsonNode fromFile =
        JSON.readTree(SarifReport.render(run(true, "k8s.yaml"), RuleCatalog.all(), "t"))
            .path("runs")
            .get(0)
            .path("results")
            .get(0)
            .path("locations")
            .get(0);
    assertThat(fromFile.path("physicalLocation").path("region").path("startLine").asInt())
        .isEqualTo(3);
  }

  @Test
  void textShowsDigestsAndWhatWasNotRead() {
    String text = new TextReport(false).render(run(true, ""));
    assertThat(text)
        .contains("image [app] reg.example/web:1 is sha256:abc")
        .contains("not read from the cluster:")
        .contains("namespace team-b: cannot list deployments, pods (403 Forbidden)")
        .contains("1 namespace not fully read")
        .doesNotContain("(:0)");
    assertThat(TableReport.render(run(true, ""))).contains("not read: namespace team-b");
  }

  @Test
  void namespacesThatFailedAlikeShareALineAndAllAreNamed() {
    String forbidden = "cannot list deployments (403 Forbidden): Deployments not audited";
    AuditRun run =
        new AuditRun(
            List.of(),
            List.of(),
            List.of(
                new AuditRun.ReadError(
                    "", List.of("pods"), 403, "cannot list pods in all namespaces"),
                new AuditRun.ReadError("a", List.of("deployments"), 403, forbidden),
                new AuditRun.ReadError(
                    "b", List.of("pods"), 403, "cannot list pods (403 Forbidden)"),
                new AuditRun.ReadError("c", List.of("deployments"), 403, forbidden)),
            false);
    assertThat(run.readErrorLines())
        .containsExactly(
            "all namespaces: cannot list pods in all namespaces",
            "namespaces a, c: " + forbidden,
            "namespace b: cannot list pods (403 Forbidden)");
    assertThat(new TextReport(false).render(run)).contains("the cluster not fully read");
  }
}
