package io.pyhygiene.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.RuleInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule in the catalogue is documented, fixtured and matches DESIGN's contract (a
 * Polaris/kube-linter style self-check): ids and default severities are a public contract.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuleCatalogWellFormednessTest {

  private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

  /**
   * The published contract: ids and default severities that users' policies, exemptions and alerts
   * name. A rule may be added without touching it; removing or renaming one, or changing its
   * default severity, fails here until the baseline is deliberately updated.
   */
  private static final String PUBLISHED = "/published-rules.tsv";

  Stream<Named<Rule>> rules() {
    return RuleCatalog.all().stream().map(r -> Named.of(r.id(), r));
  }

  private static Map<String, RuleInfo> catalogue() {
    return RuleCatalog.all().stream()
        .map(Rule::info)
        .collect(Collectors.toMap(RuleInfo::id, i -> i, (a, b) -> a, LinkedHashMap::new));
  }

  @Test
  void idsAreUniqueAndKebabCase() {
    List<String> ids = RuleCatalog.all().stream().map(Rule::id).toList();
    assertThat(ids).doesNotHaveDuplicates();
    assertThat(ids).allSatisfy(id -> assertThat(id).matches(KEBAB));
    for (Rule r : RuleCatalog.all()) {
      assertThat(r.info().id()).isEqualTo(r.id());
    }
  }

  @Test
  void publishedRulesStayWithTheirDefaultSeverities() throws IOException {
    Map<String, RuleInfo> catalogue = catalogue();
    List<String> lines;
    try (var in = getClass().getResourceAsStream(PUBLISHED)) {
      assertThat(in).as(PUBLISHED + " on the test classpath").isNotNull();
      lines =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .lines()
              .filter(l -> !l.isBlank() && !l.startsWith("#"))
              .toList();
    }
    assertThat(lines).as("published rules").isNotEmpty();
    for (String line : lines) {
      String[] f = line.split("\t");
      assertThat(catalogue)
          .as("published rule %s is still in the catalogue", f[0])
          .containsKey(f[0]);
      assertThat(catalogue.get(f[0]).severity().label())
          .as("default severity of published rule %s", f[0])
          .isEqualTo(f[1]);
    }
  }

  @Test
  void catalogueIsInItsDocumentedOrder() {
    List<Rule> rules = RuleCatalog.all();
    assertThat(rules).isSortedAccordingTo(RuleCatalog.ORDER);
  }

  @Test
  void fixabilityIsHavingAFix() {
    for (Rule r : RuleCatalog.all()) {
      assertThat(r.autoFixable())
          .as(r.id())
          .isEqualTo(r instanceof io.pyhygiene.engine.FixableRule);
    }
  }

  @Test
  void exemptionRulesArePresent() {
    assertThat(catalogue()).containsKeys("exemption-reason-missing", "exemption-unknown-rule");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void ruleIsDocumented(Rule rule) {
    RuleInfo info = rule.info();
    assertThat(info.severity()).as("severity").isNotNull();
    assertThat(info.category()).as("category").isNotNull();
    assertThat(info.title()).as("title").isNotBlank();
    assertThat(info.why()).as("why").isNotBlank();
    assertThat(info.fix()).as("fix").isNotBlank().endsWith(".");
    assertThat(info.example()).as("example").isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void kindsLeftOutAreExplained(Rule rule) {
    assertThat(rule.kinds()).as("kinds of %s", rule.id()).isNotEmpty();
    if (rule.kinds().containsAll(Rule.ALL_KINDS)) {
      assertThat(rule.kindsReason())
          .as("kindsReason of %s, which applies to every kind", rule.id())
          .isEmpty();
    } else {
      assertThat(rule.kindsReason())
          .as("why %s leaves out some kinds", rule.id())
          .isNotBlank()
          .doesNotEndWith(".");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void ruleHasPassAndFailFixtures(Rule rule) throws IOException {
    Path dir = RuleFixturesTest.fixturesRoot().resolve(rule.id());
    assertThat(dir).as("fixture folder rules/%s", rule.id()).isDirectory();
    List<String> names;
    try (Stream<Path> s = Files.list(dir)) {
      names = s.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(names)
        .as("pass fixtures of %s", rule.id())
        .anyMatch(n -> n.startsWith("pass-") && n.endsWith(".yaml"));
    assertThat(names)
        .as("fail fixtures of %s", rule.id())
        .anyMatch(n -> n.startsWith("fail-") && n.endsWith(".yaml"));
    if (rule.autoFixable()) {
      assertThat(names)
          .as("fixed fixtures of %s (what its fix makes of a fail fixture)", rule.id())
          .anyMatch(n -> n.startsWith("fixed-") && n.endsWith(".yaml"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void ruleHasAnEntryInRulesDoc(Rule rule) throws IOException {
    Set<String> headings =
        Files.readAllLines(repoRoot().resolve("docs/rules.md")).stream()
            .map(String::strip)
            .collect(Collectors.toSet());
    assertThat(headings)
        .as("docs/rules.md has a '## %s' heading", rule.id())
        .contains("## " + rule.id());
  }

  @Test
  void rulesDocIsWhatTheCatalogueRenders() throws IOException {
    String committed = Files.readString(repoRoot().resolve("docs/rules.md"));
    assertThat(committed)
        .as("docs/rules.md is generated by mvn process-classes: rebuild and" + " commit it")
        .isEqualTo(RulesMarkdown.render(RuleCatalog.all()));
    assertThat(committed)
        .contains(
            "## Rules and workload kinds",
            "## Which containers are Python",
            "## Wrappers and what is assumed",
            "## Image resolution");
  }

  @Test
  void everyFixtureFolderIsARuleAndHoldsOnlyFixtures() throws IOException {
    Set<String> ids = new HashSet<>(catalogue().keySet());
    for (Path dir : RuleFixturesTest.fixtureFolders()) {
      String name = dir.getFileName().toString();
      assertThat(ids).as("fixture folder rules/%s is a catalogue id", name).contains(name);
      try (Stream<Path> s = Files.list(dir)) {
        List<Path> entries = s.toList();
        for (Path p : entries) {
          assertThat(p).as("rules/%s holds only files", name).isRegularFile();
          assertThat(p.getFileName().toString())
              .as("fixture file name in rules/%s", name)
              .matches(RuleFixturesTest.FIXTURE_NAME);
        }
      }
    }
    try (Stream<Path> s = Files.list(RuleFixturesTest.fixturesRoot())) {
      assertThat(s.filter(Files::isRegularFile).toList())
          .as("stray files directly in rules/")
          .isEmpty();
    }
  }

  /** The repository root: {@code pyhygiene.repoRoot} (set by surefire), else {@code ..}. */
  private static Path repoRoot() {
    String prop = System.getProperty("pyhygiene.repoRoot");
    Path root = prop == null || prop.isBlank() ? Path.of("..") : Path.of(prop);
    Path doc = root.resolve("docs/rules.md");
    assertThat(doc)
        .as("docs/rules.md under the repository root %s", root.toAbsolutePath())
        .isRegularFile();
    return root;
  }
}
