package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pyhygiene.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI through its real entry point: arguments in, stdout/stderr and exit code out. */
class CliTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path EXAMPLES = Path.of(System.getProperty("pyhygiene.repoRoot", ".."), "examples");

  record Result(int code, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  static Result run(String stdin, Map<String, String> env, boolean tty, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Main.run(
            args,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            out,
            err,
            env,
            tty);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Result run(String... args) {
    return run("", Map.of(), false, args);
  }

  static final String BAD =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: bad, namespace: ns}
      spec:
        template:
          spec:
            containers:
              - name: app
                image: python:3.12-slim
                command: [sh, -c, "gunicorn app:app"]
                env:
                  - {name: API_TOKEN, value: tok-0123456789-topsecret}
                  - {name: DATABASE_URL, value: "postgres://app:hunter2-very-secret@db/app"}
      """;

  static final String WARN_ONLY =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: warn-only}
      spec:
        template:
          spec:
            securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
            containers:
              - name: app
                image: python:3.13-slim
                command: [gunicorn, app:app, --graceful-timeout, "20"]
                env: [{name: PYTHONUNBUFFERED, value: "1"}]
                resources: {limits: {memory: 256Mi}}
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL]}
      """;

  @Test
  void jsonFollowsTheDesignSchemaExactly() throws Exception {
    Result r = run("audit", "-f", EXAMPLES.toString(), "-o", "json", "--now", "2026-11-25");
    assertThat(r.code()).isEqualTo(1);
    JsonNode root = r.json();
    assertThat(fieldNames(root)).containsExactly("version", "summary", "workloads", "errors");
    assertThat(root.get("version").asText()).isEqualTo("1");
    assertThat(fieldNames(root.get("summary")))
        .containsExactly("workloads", "python", "pass", "warn", "fail");
    assertThat(root.get("summary").get("workloads").asInt()).isEqualTo(3);
    // billing-web (shell-wrapper, ...); billing-worker's unbounded Celery drain is a conditional
    // grace-budget finding (a warning)
    assertThat(root.get("summary").get("fail").asInt()).isEqualTo(1);
    JsonNode w = root.get("workloads").get(0);
    assertThat(fieldNames(w))
        .containsExactly(
            "apiVersion", "kind", "namespace", "name", "python", "verdict", "findings");
    for (JsonNode workload : root.get("workloads")) {
      for (JsonNode f : workload.get("findings")) {
        // "assumption" only on a finding that rests on one (stated in its message too)
        assertThat(fieldNames(f))
            .containsAnyOf("rule")
            .isSubsetOf("rule", "severity", "container", "message", "fix", "assumption")
            .contains("rule", "severity", "container", "message", "fix");
        assertThat(f.get("severity").asText()).isIn("error", "warning", "info");
      }
    }
    assertThat(root.get("errors")).isEmpty();
  }

  @Test
  void exitCodesFollowFailOn() throws Exception {
    assertThat(run(WARN_ONLY, Map.of(), false, "audit", "-f", "-").code()).isZero();
    assertThat(run(WARN_ONLY, Map.of(), false, "audit", "-f", "-", "--fail-on", "warning").code())
        .isEqualTo(1);
    assertThat(run(BAD, Map.of(), false, "audit", "-f", "-").code()).isEqualTo(1);
    assertThat(run(BAD, Map.of(), false, "audit", "-f", "-", "--fail-on", "never").code()).isZero();
    assertThat(run("audit").code()).as("missing -f is a usage error").isEqualTo(2);
    assertThat(run("audit", "-f", "x", "-o", "xml").code()).isEqualTo(2);
    assertThat(run("audit", "-f", "/no/such/path").code()).isEqualTo(2);
  }

  @Test
  void malformedDocumentsAreNamedAndTheRestIsAudited(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("good.yaml"), WARN_ONLY);
    Files.createDirectories(dir.resolve("nested"));
    Files.writeString(
        dir.resolve("nested/mixed.yml"),
        BAD
            + "---\nkind: Deployment\n"
            + "metadata: {name: broken}\nspec: {replicas: many}\n---\n: not yaml: [\n---\n"
            + "apiVersion: v1\nkind: Service\nmetadata: {name: ignored}\n");
    Files.writeString(
        dir.resolve("list.json"),
        """
        {"apiVersion": "v1", "kind": "List", "items": [
          {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "from-list"},
           "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "python"}]}}}}]}
        """);
    Files.writeString(dir.resolve("notes.txt"), "not a manifest");
    Result r = run("audit", "-f", dir.toString(), "-o", "json");
    assertThat(r.code()).isEqualTo(2);
    JsonNode root = r.json();
    List<String> names = new ArrayList<>();
    root.get("workloads").forEach(w -> names.add(w.get("name").asText()));
    assertThat(names).containsExactlyInAnyOrder("warn-only", "bad", "from-list");
    assertThat(root.get("errors")).hasSize(2);
    JsonNode replicas = root.get("errors").get(0);
    assertThat(replicas.get("source").asText()).endsWith("mixed.yml");
    assertThat(replicas.get("document").asInt()).isEqualTo(2);
    assertThat(replicas.get("message").asText())
        .isEqualTo("spec.replicas: expected an integer, found \"many\"");
    assertThat(root.get("errors").get(1).get("document").asInt()).isEqualTo(3);
    assertThat(root.get("errors").get(1).get("message").asText())
        .isEqualTo("not valid YAML: line 19, column 1: expected <block end>, but found ':'");
  }

  @Test
  void stdinAndText() {
    Result r = run(BAD, Map.of(), false, "audit", "-f", "-");
    assertThat(r.out())
        .contains("FAIL  Deployment ns/bad  (<stdin>:1)")
        .contains("shell-wrapper [app]")
        .contains("fix: ")
        .doesNotContain("\u001b[");
    assertThat(r.out()).contains("1 workload, 1 Python: 0 pass, 0 warn, 1 fail");
  }

  @Test
  void tableHasOneLinePerWorkload() {
    Result r = run("audit", "-f", EXAMPLES.toString(), "-o", "table", "--now", "2026-11-25");
    String[] lines = r.out().split("\n");
    assertThat(lines).hasSize(4);
    assertThat(lines[0])
        .startsWith("VERDICT")
        .contains("KIND")
        .contains("WORKLOAD")
        .contains("RULES");
    assertThat(r.out())
        .containsPattern("fail +Deployment +shop/billing-web +7 +7 +0  shell-wrapper,");
    assertThat(r.out()).containsPattern("pass +Deployment +shop/orders-api +0 +0 +0  -");
  }

  @Test
  void colourOnlyOnATerminalAndNeverWithNoColor() {
    assertThat(run(BAD, Map.of(), true, "audit", "-f", "-").out()).contains("\u001b[");
    assertThat(run(BAD, Map.of("NO_COLOR", "1"), true, "audit", "-f", "-").out())
        .doesNotContain("\u001b[");
    assertThat(run(BAD, Map.of(), true, "audit", "-f", "-", "--no-color").out())
        .doesNotContain("\u001b[");
  }

  @Test
  void sarifIsValidAndLocatesTheDocument(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("two.yaml"), "# leading comment\n" + WARN_ONLY + "---\n" + BAD);
    Result r = run("audit", "-f", dir.resolve("two.yaml").toString(), "-o", "sarif");
    assertThat(r.code()).isEqualTo(1);
    JsonNode sarif = r.json();
    assertThat(sarif.get("version").asText()).isEqualTo("2.1.0");
    assertThat(sarif.get("$schema").asText()).contains("sarif-schema-2.1.0");
    JsonNode run = sarif.get("runs").get(0);
    JsonNode rules = run.get("tool").get("driver").get("rules");
    assertThat(rules.size()).isGreaterThanOrEqualTo(22);
    for (JsonNode rule : rules) {
      assertThat(rule.get("id").asText()).isNotBlank();
      assertThat(rule.get("help").get("text").asText()).endsWith(".");
      assertThat(rule.get("defaultConfiguration").get("level").asText())
          .isIn("error", "warning", "note");
    }
    JsonNode results = run.get("results");
    assertThat(results.size()).isGreaterThan(0);
    int badStart = WARN_ONLY.split("\n", -1).length + 2; // comment + first document + "---"
    boolean sawBad = false;
    for (JsonNode res : results) {
      int idx = res.get("ruleIndex").asInt();
      assertThat(rules.get(idx).get("id").asText()).isEqualTo(res.get("ruleId").asText());
      JsonNode loc = res.get("locations").get(0).get("physicalLocation");
      assertThat(loc.get("artifactLocation").get("uri").asText()).endsWith("two.yaml");
      int line = loc.get("region").get("startLine").asInt();
      if (res.get("message").get("text").asText().contains("/bad")) {
        sawBad = true;
        assertThat(line).isEqualTo(badStart);
      } else {
        assertThat(line).isEqualTo(2);
      }
    }
    assertThat(sawBad).isTrue();
  }

  @Test
  void secretValuesAppearInNoOutput() {
    for (String format : List.of("text", "json", "sarif")) {
      Result r = run(BAD, Map.of(), false, "audit", "-f", "-", "-o", format);
      assertThat(r.out())
          .contains("plaintext-secret-env")
          .doesNotContain("tok-0123456789-topsecret")
          .doesNotContain("hunter2-very-secret");
      assertThat(r.err()).doesNotContain("topsecret").doesNotContain("hunter2");
    }
  }

  @Test
  void policyFileAppliesAndBadPoliciesAreUsageErrors(@TempDir Path dir) throws Exception {
    Path policy = dir.resolve("p.yaml");
    Files.writeString(
        policy,
        """
        apiVersion: pyhygiene.io/v1alpha1
        kind: PythonHygienePolicy
        metadata: {name: strict}
        spec:
          rules:
            python-unbuffered: {severity: error}
            worker-memory: {enabled: false}
        """);
    Result strict =
        run(
            WARN_ONLY.replace("value: \"1\"", "value: \"\""),
            Map.of(),
            false,
            "audit",
            "-f",
            "-",
            "--policy",
            policy.toString(),
            "-o",
            "json");
    assertThat(strict.code()).isEqualTo(1);
    JsonNode findings = strict.json().get("workloads").get(0).get("findings");
    assertThat(findings.get(0).get("rule").asText()).isEqualTo("python-unbuffered");
    assertThat(findings.get(0).get("severity").asText()).isEqualTo("error");

    Files.writeString(
        policy,
        """
        apiVersion: pyhygiene.io/v1alpha1
        kind: PythonHygienePolicy
        metadata: {name: bad}
        spec:
          memory: {min: 2Gi, max: 1Gi}
          rules: {no-such-rule: {enabled: false}}
        """);
    Result bad = run("audit", "-f", EXAMPLES.toString(), "--policy", policy.toString());
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err())
        .contains("p.yaml")
        .contains("spec.rules.no-such-rule: unknown rule id")
        .contains("spec.memory: min 2Gi is greater than max 1Gi");
    assertThat(bad.out()).isEmpty();

    Files.writeString(
        policy,
        "apiVersion: pyhygiene.io/v1alpha1\nkind: PythonHygienePolicy\n"
            + "metadata: {name: typo}\nspec: {shutdwon: {marginSeconds: 3}}\n");
    assertThat(run("audit", "-f", EXAMPLES.toString(), "--policy", policy.toString()).err())
        .contains("spec.shutdwon: unknown field");
  }

  @Test
  void nowPinsTheEndOfLifeClock() throws Exception {
    String py310 = WARN_ONLY.replace("python:3.13-slim", "python:3.10-slim");
    assertThat(run(py310, Map.of(), false, "audit", "-f", "-", "--now", "2026-10-31").out())
        .doesNotContain("python-eol");
    assertThat(run(py310, Map.of(), false, "audit", "-f", "-", "--now", "2026-11-01").out())
        .contains("python-eol");
    assertThat(run("audit", "-f", "-", "--now", "yesterday").code()).isEqualTo(2);
  }

  @Test
  void rulesCommandListsTheCatalogue() throws Exception {
    Result json = run("rules", "-o", "json");
    assertThat(json.code()).isZero();
    List<String> ids = new ArrayList<>();
    json.json().forEach(n -> ids.add(n.get("id").asText()));
    assertThat(ids)
        .contains("shell-wrapper", "python-pid1", "grace-budget", "plaintext-secret-env")
        .hasSizeGreaterThanOrEqualTo(22)
        .doesNotHaveDuplicates();
    assertThat(run("rules", "-o", "markdown").out()).startsWith("# pyhygiene rules");
    assertThat(run("rules").out()).contains("shell-wrapper").contains("error");
  }

  @Test
  void runStopsOnABadSettingNamingTheVariable() {
    Result r =
        run(
            "",
            Map.of("PYHYGIENE_HTTP_PORT", "eighty", "PYHYGIENE_EVIDENCE_WINDOW", "soon"),
            false,
            "run");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("PYHYGIENE_HTTP_PORT=eighty: expected a port number")
        .contains("PYHYGIENE_EVIDENCE_WINDOW=soon: expected a duration");
    Result noCert =
        run("", Map.of("PYHYGIENE_WEBHOOK_CERT_FILE", "/no/such/tls.crt"), false, "run");
    assertThat(noCert.code()).isEqualTo(2);
    assertThat(noCert.err())
        .contains("/no/such/tls.crt is not readable")
        .contains("PYHYGIENE_WEBHOOK_ENABLED=false");
    assertThat(run("run", "--help").out())
        .contains("PYHYGIENE_WATCH_NAMESPACES")
        .contains("PYHYGIENE_LOG_LEVEL");
  }

  @Test
  void helpExplainsAndVersionPrints() {
    Result help = run("audit", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--fail-on").contains("Exit codes").contains("stdin");
    assertThat(run("--version").out()).startsWith("pyhygiene ");
    assertThat(run("--help").out()).contains("audit").contains("rules").contains("run");
  }

  static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    Iterator<String> it = n.fieldNames();
    it.forEachRemaining(names::add);
    return names;
  }
}
