package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.json.Json;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.ImageFacts;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadContext;
import io.pyhygiene.workload.WorkloadView;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real-chart corpus ({@code corpus/}, issue 10): each public Python application's manifests,
 * audited as the CLI audits them (every kind, Services and ConfigMaps of the same input), are
 * compared with the per-container judgement in its {@code expected.yaml}, once from the manifest
 * alone and once with the image facts of its {@code image-facts.yaml} (what image resolution
 * reads). The comparison is written to {@code docs/real-world.md} (CI fails when it drifts), and
 * the test holds the line: no non-Python program taken for Python, every Python program the
 * manifest shows recognised, every one recognised with the image, and most judgements agreed.
 */
class CorpusTest {

  /** The day the judgements were made (python-eol). */
  static final Instant TODAY = Instant.parse("2026-12-02T00:00:00Z");

  static final Path ROOT = Path.of(System.getProperty("pyhygiene.repoRoot", ".."));

  /** One judged container and what the engine said about it. */
  record Judged(
      String app,
      String kind,
      String workload,
      String container,
      boolean python,
      boolean manifestEvidence,
      boolean imageShowsPython,
      boolean recognised,
      JsonNode rules,
      Map<String, Finding> findings) {}

  /** The comparison under one way of auditing (manifest only, or with image facts). */
  record Pass(
      String name,
      List<Judged> containers,
      Map<String, int[]> byRule,
      List<String> disagreements) {}

  static Pass manifestOnly;
  static Pass withImages;
  static final Map<String, String[]> SOURCES = new TreeMap<>();

  @BeforeAll
  static void audit() throws IOException {
    manifestOnly = run("manifest only", false);
    withImages = run("with image facts", true);
    Files.writeString(ROOT.resolve("docs/real-world.md"), report(), StandardCharsets.UTF_8);
  }

  static List<Path> apps() throws IOException {
    try (Stream<Path> s = Files.list(ROOT.resolve("corpus"))) {
      return s.filter(p -> Files.isRegularFile(p.resolve("expected.yaml"))).sorted().toList();
    }
  }

  static Pass run(String name, boolean images) throws IOException {
    Auditor auditor = new Auditor(RuleCatalog.all(), Clock.fixed(TODAY, ZoneOffset.UTC));
    List<Judged> out = new ArrayList<>();
    for (Path app : apps()) {
      String appName = app.getFileName().toString();
      byte[] manifests = Files.readAllBytes(app.resolve("manifests.yaml"));
      SOURCES.put(appName, header(new String(manifests, StandardCharsets.UTF_8)));
      ManifestLoader.Result loaded =
          new ManifestLoader(new ByteArrayInputStream(manifests), msg -> {}).load(List.of("-"));
      assertThat(loaded.errors()).as("%s: manifests.yaml reads cleanly", appName).isEmpty();
      WorkloadContext context =
          new WorkloadContext(
              loaded.services().isEmpty() ? Optional.empty() : Optional.of(loaded.services()),
              loaded.configMaps(),
              images ? imageFacts(app) : Map.of(),
              Observations.NONE);
      Map<String, WorkloadView> views = new HashMap<>();
      Map<String, WorkloadAudit> audits = new HashMap<>();
      for (ManifestLoader.LoadedWorkload w : loaded.workloads()) {
        HasMetadata o = w.workload();
        String key = o.getKind() + "/" + o.getMetadata().getName();
        WorkloadView view = WorkloadView.of(o, context).orElseThrow();
        views.put(key, view);
        audits.put(key, auditor.audit(view, AuditPolicy.defaults()));
      }
      JsonNode expected = Json.YAML.readTree(app.resolve("expected.yaml").toFile());
      for (JsonNode w : expected.path("workloads")) {
        String key = w.path("kind").asText() + "/" + w.path("name").asText();
        assertThat(views)
            .as("%s: %s of expected.yaml is in manifests.yaml", appName, key)
            .containsKey(key);
        WorkloadView view = views.get(key);
        WorkloadAudit audit = audits.get(key);
        for (JsonNode c : w.path("containers")) {
          String container = c.path("name").asText();
          Optional<ContainerView> cv =
              view.containers().stream().filter(x -> x.name().equals(container)).findFirst();
          assertThat(cv).as("%s: container %s of %s", appName, container, key).isPresent();
          Map<String, Finding> findings = new LinkedHashMap<>();
          audit.findings().stream()
              .filter(f -> f.container().equals(container))
              .forEach(f -> findings.putIfAbsent(f.rule(), f));
          boolean recognised = audit.python() && view.pythonContainers().contains(cv.get());
          out.add(
              new Judged(
                  appName,
                  w.path("kind").asText(),
                  w.path("name").asText(),
                  container,
                  c.path("python").asBoolean(),
                  "manifest".equals(c.path("evidence").asText()),
                  cv.get()
                      .imageFacts()
                      .config()
                      .map(cfg -> cfg.env().stream().anyMatch(e -> e.startsWith("PYTHON_VERSION=")))
                      .orElse(false),
                  recognised,
                  c.path("rules"),
                  findings));
        }
      }
    }
    Map<String, int[]> byRule = new TreeMap<>();
    List<String> disagreements = new ArrayList<>();
    for (Judged j : out) {
      if (!j.python() || !j.recognised()) {
        continue;
      }
      j.rules()
          .fields()
          .forEachRemaining(
              e -> {
                String rule = e.getKey();
                JsonNode judgement = e.getValue();
                String expect =
                    images && judgement.has("with_image")
                        ? judgement.path("with_image").asText()
                        : judgement.path("expect").asText();
                Finding f = j.findings().get(rule);
                String got =
                    f == null
                        ? "silent"
                        : rule.equals("run-as-root") ? f.severity().label() : "fire";
                boolean judgedFire = !expect.equals("silent");
                int[] counts = byRule.computeIfAbsent(rule, k -> new int[4]);
                // [0] judged fire and agreed, [1] judged fire and missed, [2] judged silent and
                // agreed,
                // [3] fired (or the wrong severity) where the judgement says otherwise
                if (expect.equals(got)) {
                  counts[judgedFire ? 0 : 2]++;
                } else {
                  counts[judgedFire && f == null ? 1 : 3]++;
                  disagreements.add(
                      "| "
                          + j.app()
                          + " | "
                          + j.kind()
                          + "/"
                          + j.workload()
                          + " | "
                          + j.container()
                          + " | `"
                          + rule
                          + "` | "
                          + expect
                          + " | "
                          + got
                          + " | "
                          + judgement.path("why").asText().replace("|", "\\|")
                          + " | "
                          + (f == null ? "(no finding)" : f.message().replace("|", "\\|"))
                          + " |");
                }
              });
    }
    return new Pass(name, out, byRule, disagreements);
  }

  /** Image facts of an app as image resolution would read them; unknown configs are left out. */
  static Map<String, ImageFacts> imageFacts(Path app) throws IOException {
    Map<String, ImageFacts> out = new HashMap<>();
    Path file = app.resolve("image-facts.yaml");
    if (!Files.exists(file)) {
      return out;
    }
    for (JsonNode i : Json.YAML.readTree(file.toFile()).path("images")) {
      Optional<List<String>> entrypoint = argv(i.path("entrypoint"));
      Optional<List<String>> cmd = argv(i.path("cmd"));
      JsonNode user = i.path("user");
      if (entrypoint.isEmpty() || cmd.isEmpty() || user.asText().equals("unknown")) {
        continue; // not known well enough to stand for a resolved config
      }
      List<String> env = new ArrayList<>();
      i.path("env")
          .fields()
          .forEachRemaining(e -> env.add(e.getKey() + "=" + e.getValue().asText()));
      if (i.path("python").isTextual()
          && !i.path("python").asText().equals("unknown")
          && env.stream().noneMatch(e -> e.startsWith("PYTHON_VERSION="))) {
        env.add("PYTHON_VERSION=" + i.path("python").asText()); // as official images set it
      }
      out.put(
          i.path("image").asText(),
          ImageFacts.resolved(
              new ImageFacts.Config(
                  "sha256:corpus",
                  entrypoint.get(),
                  cmd.get(),
                  user.isNull() || user.isMissingNode() ? "" : user.asText(),
                  env,
                  i.path("stopsignal").isTextual() ? i.path("stopsignal").asText() : "",
                  "")));
    }
    return out;
  }

  /** {form: exec, argv} or {form: shell, script} as the config stores it; null is empty. */
  static Optional<List<String>> argv(JsonNode n) {
    if (n.isNull() || n.isMissingNode()) {
      return Optional.of(List.of());
    }
    if (n.path("form").asText().equals("exec")) {
      List<String> out = new ArrayList<>();
      n.path("argv").forEach(a -> out.add(a.asText()));
      return Optional.of(out);
    }
    if (n.path("form").asText().equals("shell")) {
      return Optional.of(List.of("/bin/sh", "-c", n.path("script").asText()));
    }
    return Optional.empty();
  }

  /** The source and commit lines of a manifests.yaml header. */
  static String[] header(String text) {
    String source = "";
    String commit = "";
    for (String line : text.lines().limit(8).toList()) {
      if (line.startsWith("# Source:")) {
        source = line.substring("# Source:".length()).trim();
      } else if (line.startsWith("# Commit:")) {
        commit = line.substring("# Commit:".length()).trim();
      }
    }
    return new String[] {source, commit};
  }

  // ------------------------------------------------------------------------------ assertions

  @Test
  void noNonPythonProgramIsTakenForPython() {
    for (Pass p : List.of(manifestOnly, withImages)) {
      assertThat(
              p.containers().stream()
                  .filter(j -> !j.python() && j.recognised())
                  .map(j -> j.app() + " " + j.workload() + "/" + j.container()))
          .as("%s: non-Python containers treated as Python", p.name())
          .isEmpty();
    }
  }

  @Test
  void everyPythonProgramTheManifestShowsIsRecognised() {
    assertThat(
            manifestOnly.containers().stream()
                .filter(j -> j.python() && j.manifestEvidence() && !j.recognised())
                .map(j -> j.app() + " " + j.workload() + "/" + j.container()))
        .as("Python containers whose manifest shows it, not recognised")
        .isEmpty();
  }

  @Test
  void everyPythonProgramIsRecognisedWithItsImage() {
    assertThat(
            withImages.containers().stream()
                .filter(j -> j.python() && j.imageShowsPython())
                .count())
        .as("Python containers whose image facts show Python")
        .isGreaterThan(10);
    assertThat(
            withImages.containers().stream()
                .filter(
                    j ->
                        j.python()
                            && (j.manifestEvidence() || j.imageShowsPython())
                            && !j.recognised())
                .map(j -> j.app() + " " + j.workload() + "/" + j.container()))
        .as("Python containers the manifest or the image facts show, not recognised")
        .isEmpty();
  }

  @Test
  void mostJudgementsAgree() {
    for (Pass p : List.of(manifestOnly, withImages)) {
      int agreed = 0;
      int all = 0;
      for (int[] c : p.byRule().values()) {
        agreed += c[0] + c[2];
        all += c[0] + c[1] + c[2] + c[3];
      }
      assertThat(all).as("%s: judgements compared", p.name()).isGreaterThan(500);
      assertThat((double) agreed / all)
          .as(
              "%s: share of judgements the engine agrees with"
                  + " (disagreements in docs/real-world.md)",
              p.name())
          .isGreaterThanOrEqualTo(0.95);
    }
  }

  // ------------------------------------------------------------------------------ the report

  static String report() {
    StringBuilder md = new StringBuilder();
    md.append("# pyhygiene on real charts\n\n")
        .append(
            "<!-- Generated by cli/src/test/java/io/pyhygiene/cli/CorpusTest.java from"
                + " corpus/ (mvn verify); CI fails when it drifts. Do not edit by hand. -->\n\n")
        .append(
            "The corpus (`corpus/`, described in [corpus/README.md](../corpus/README.md))"
                + " reproduces the facts of the rendered manifests of public Python applications,"
                + " with a Python engineer's judgement of every Python rule per container"
                + " (`expected.yaml`). `make test` audits each application as `pyhygiene audit`"
                + " does (every kind; the Services and ConfigMaps of the same input) on "
                + TODAY.toString().substring(0, 10)
                + ", once from the manifests alone and once with"
                + " the image facts (`image-facts.yaml`: ENTRYPOINT, CMD, USER, ENV, STOPSIGNAL as"
                + " image resolution reads them), and compares.\n\n");
    md.append("## Sources\n\n| app | source | commit |\n|---|---|---|\n");
    SOURCES.forEach(
        (app, s) ->
            md.append("| ")
                .append(app)
                .append(" | ")
                .append(s[0].replace("|", "\\|"))
                .append(" | ")
                .append(s[1].replace("|", "\\|"))
                .append(" |\n"));
    md.append("\n## Recognition\n\n")
        .append(
            "| | Python containers | recognised | shown by the manifest | recognised"
                + " | non-Python containers | taken for Python |\n|---|---|---|---|---|---|---|\n");
    for (Pass p : List.of(manifestOnly, withImages)) {
      long py = p.containers().stream().filter(Judged::python).count();
      long rec = p.containers().stream().filter(j -> j.python() && j.recognised()).count();
      long shown = p.containers().stream().filter(j -> j.python() && j.manifestEvidence()).count();
      long shownRec =
          p.containers().stream()
              .filter(j -> j.python() && j.manifestEvidence() && j.recognised())
              .count();
      long non = p.containers().stream().filter(j -> !j.python()).count();
      long fp = p.containers().stream().filter(j -> !j.python() && j.recognised()).count();
      md.append("| ")
          .append(p.name())
          .append(" | ")
          .append(py)
          .append(" | ")
          .append(rec)
          .append(" (")
          .append(percent(rec, py))
          .append(") | ")
          .append(shown)
          .append(" | ")
          .append(shownRec)
          .append(" | ")
          .append(non)
          .append(" | ")
          .append(fp)
          .append(" |\n");
    }
    md.append(
        "\nBefore this work (commit 8061d3e, corpus/BASELINE.md) 9 of the 68 Python"
            + " Deployments were recognised and no other kind was audited.\n");
    for (Pass p : List.of(manifestOnly, withImages)) {
      md.append("\n## Rules, ")
          .append(p.name())
          .append("\n\n")
          .append(
              "Judgements on recognised Python containers. *Fire*: the judgement expects a"
                  + " finding (for `run-as-root`, a severity); *silent*: it expects none.\n\n")
          .append(
              "| rule | fire, agreed | fire, missed | silent, agreed | fired against the"
                  + " judgement |\n|---|---|---|---|---|\n");
      p.byRule()
          .forEach(
              (rule, c) ->
                  md.append("| `")
                      .append(rule)
                      .append("` | ")
                      .append(c[0])
                      .append(" | ")
                      .append(c[1])
                      .append(" | ")
                      .append(c[2])
                      .append(" | ")
                      .append(c[3])
                      .append(" |\n"));
      md.append("\n### Where the engine and the judgement differ (")
          .append(p.name())
          .append(")\n\n");
      if (p.disagreements().isEmpty()) {
        md.append("None.\n");
      } else {
        md.append(
            "| app | workload | container | rule | judgement | engine | why (judgement)"
                + " | the engine's message |\n|---|---|---|---|---|---|---|---|\n");
        p.disagreements().forEach(d -> md.append(d).append('\n'));
      }
    }
    return md.toString();
  }

  private static String percent(long a, long b) {
    return b == 0 ? "-" : Math.round(100.0 * a / b) + " %";
  }
}
