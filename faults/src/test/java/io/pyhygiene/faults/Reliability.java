package io.pyhygiene.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pyhygiene.testkit.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The suite's results collector: each fault test says what it injected, what it observed and the
 * figures it measured; when the test ends (passed or failed) the case is stored under {@code
 * faults/target/reliability/} and {@code docs/reliability.md} is written again from every stored
 * case, so the document always holds the latest run of each case with its pass/fail.
 *
 * <pre>{@code
 * @RegisterExtension final Reliability report = new Reliability();
 * report.injected("...").observed("...").figure("RSS peak", "212 MiB");
 * }</pre>
 */
public final class Reliability implements BeforeEachCallback, TestWatcher {

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One case as stored and rendered. */
  public record Case(
      String id,
      String title,
      String injected,
      String observed,
      Map<String, String> figures,
      boolean pass,
      String failure,
      String finished,
      String run) {}

  private String injected = "";
  private String variant = "";
  private final List<String> observed = new ArrayList<>();
  private final Map<String, String> figures = new LinkedHashMap<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    injected = "";
    variant = "";
    observed.clear();
    figures.clear();
  }

  /**
   * Which run of a parameterized test this is ({@code etcd}, {@code kube-apiserver}): it becomes
   * part of the case's id, so each run keeps its own entry.
   */
  public Reliability variant(String name) {
    this.variant = name;
    return this;
  }

  /** What the test does to the system under test. */
  public Reliability injected(String what) {
    this.injected = what;
    return this;
  }

  /** What was seen (several calls add sentences). */
  public Reliability observed(String what) {
    observed.add(what);
    return this;
  }

  /** A measured figure, e.g. {@code figure("RSS peak", "212 MiB")}. */
  public Reliability figure(String name, Object value) {
    figures.put(name, String.valueOf(value));
    return this;
  }

  @Override
  public void testSuccessful(ExtensionContext context) {
    store(context, true, "");
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    // The first lines say what failed; a whole AssertJ dump does not fit a table.
    String[] lines = message.strip().split("\n");
    StringBuilder shortMessage = new StringBuilder(cause.getClass().getSimpleName()).append(": ");
    for (int i = 0; i < Math.min(lines.length, 6); i++) {
      shortMessage.append(lines[i].strip()).append(' ');
    }
    store(context, false, shortMessage.toString().strip());
  }

  private void store(ExtensionContext context, boolean pass, String failure) {
    String id =
        context.getRequiredTestClass().getSimpleName()
            + "."
            + context.getRequiredTestMethod().getName()
            + (variant.isEmpty() ? "" : "-" + variant);
    // scripts/faults.sh says which target ran it; otherwise it was a direct Maven run.
    String run = Optional.ofNullable(System.getenv("FAULTS_RUN")).orElse("mvn -pl faults");
    Case c =
        new Case(
            id,
            context.getDisplayName(),
            injected,
            String.join(" ", observed),
            Map.copyOf(figures),
            pass,
            failure,
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
            run);
    try {
      Path dir = resultsDir();
      Files.createDirectories(dir);
      JSON.writerWithDefaultPrettyPrinter()
          .writeValue(
              dir.resolve(id + ".json").toFile(),
              new LinkedHashMap<>(Map.of("case", c, "figureOrder", List.copyOf(figures.keySet()))));
      // make test's subset keeps its results in target/ only: the committed document is the
      // whole suite's (make faults), not overwritten by a smaller run.
      if (Boolean.parseBoolean(System.getProperty("faults.writeDocument", "true"))) {
        render();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store the result of " + id, e);
    }
  }

  static Path resultsDir() {
    return Repository.root().resolve("faults/target/reliability");
  }

  static Path document() {
    return Repository.root().resolve("docs/reliability.md");
  }

  /**
   * Writes docs/reliability.md from every stored case (sorted by the order of the issue's list).
   */
  static synchronized void render() throws IOException {
    List<Map.Entry<Case, List<String>>> cases = new ArrayList<>();
    try (Stream<Path> files = Files.list(resultsDir())) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        var tree = JSON.readTree(f.toFile());
        Case c = JSON.treeToValue(tree.get("case"), Case.class);
        List<String> order = new ArrayList<>();
        tree.get("figureOrder").forEach(n -> order.add(n.asText()));
        cases.add(Map.entry(c, order));
      }
    }
    cases.sort(Comparator.comparing(e -> e.getKey().id()));
    StringBuilder md = new StringBuilder();
    md.append("# Reliability: the fault suite\n\n");
    md.append(
        "Written by the fault suite (`faults/`, `make faults`; the `fault-subset` tag runs in"
            + " `make test`) at the end of each case: what was injected, what was observed, the"
            + " measured figures and pass/fail. Do not edit by hand: run the suite. A case that has not"
            + " run on this checkout is not listed.\n\n");
    md.append("Machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(totalMemoryMiB())
        .append(" MiB memory, Java ")
        .append(System.getProperty("java.version"))
        .append(".\n\n");
    long passed = cases.stream().filter(e -> e.getKey().pass()).count();
    md.append("**").append(passed).append(" of ").append(cases.size()).append(" cases pass.**\n\n");
    md.append("| case | result | run by | finished (UTC) |\n|---|---|---|---|\n");
    for (var e : cases) {
      Case c = e.getKey();
      md.append("| [")
          .append(c.id())
          .append("](#")
          .append(anchor(c.id()))
          .append(") | ")
          .append(c.pass() ? "pass" : "**FAIL**")
          .append(" | ")
          .append(c.run())
          .append(" | ")
          .append(c.finished())
          .append(" |\n");
    }
    for (var e : cases) {
      Case c = e.getKey();
      md.append("\n## ").append(c.id()).append("\n\n");
      md.append(c.title()).append("\n\n");
      md.append("- **Injected:** ").append(cell(c.injected())).append('\n');
      md.append("- **Observed:** ").append(cell(c.observed())).append('\n');
      md.append("- **Result:** ")
          .append(c.pass() ? "pass" : "FAIL: " + cell(c.failure()))
          .append('\n');
      if (!c.figures().isEmpty()) {
        md.append("\n| figure | value |\n|---|---|\n");
        for (String name : e.getValue()) {
          md.append("| ")
              .append(cell(name))
              .append(" | ")
              .append(cell(c.figures().get(name)))
              .append(" |\n");
        }
      }
    }
    Files.writeString(document(), md.toString(), StandardCharsets.UTF_8);
  }

  private static String anchor(String id) {
    return id.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 -]", "");
  }

  private static String cell(String s) {
    return s == null || s.isBlank() ? "(none)" : s.replace("|", "\\|").replace("\n", " ");
  }

  private static long totalMemoryMiB() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize() >> 20;
    }
    return -1;
  }
}
