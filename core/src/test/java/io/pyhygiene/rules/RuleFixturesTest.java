package io.pyhygiene.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.FixPlan;
import io.pyhygiene.engine.FixPlanner;
import io.pyhygiene.engine.Rule;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.ImageFacts;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadContext;
import io.pyhygiene.workload.WorkloadKind;
import io.pyhygiene.workload.WorkloadView;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The per-rule fixture table: every {@code rules/<rule-id>/(pass|fail)-<what>.yaml} on the test
 * classpath is audited with the whole catalogue, and the result is checked for the folder's rule
 * only.
 *
 * <p>A fixture is one apps/v1 Deployment, optionally followed by a {@code pyhygiene.io/v1alpha1
 * PythonHygienePolicy} to audit it with and/or, for the runtime-evidence rules, a test-only {@code
 * test.pyhygiene.io/v1 Observations} document (the {@code terminations} and {@code conflicts} the
 * operator would have observed; see {@link #withObservations}). {@code fail-*} fixtures need at
 * least one finding of their rule with the policy's severity for it; {@code pass-*} fixtures need
 * none. A {@code fixed-X} fixture (fixable rules) is what the remediation of the rule makes of
 * {@code fail-X}: it must pass, and planning the fix on {@code fail-X} must produce exactly its pod
 * template (Polaris's "mutated" files). Annotations on the Deployment (ignored by the engine)
 * refine the expectation:
 *
 * <ul>
 *   <li>{@value #EXPECT_MESSAGE}: one fragment per line; one finding of the rule must contain them
 *       all in its message ({@code fail-*} only).
 *   <li>{@value #EXPECT_FIX}: the same for the finding's fix text.
 *   <li>{@value #MUST_NOT_CONTAIN}: no finding of any rule may show this text (a secret value).
 *   <li>{@value #EXPECT_SEVERITY}: the severity the rule's findings must have, when it is not the
 *       rule's default (a graded rule, or a finding one step lower because it rests on an
 *       assumption the manifest does not show).
 *   <li>{@value #NOT_PYTHON_CONTAINERS}: comma-separated container names that must not be taken for
 *       Python (a non-recognition control: an nginx sidecar carrying {@code PYTHONUNBUFFERED}, a
 *       clean-up loop in a Python image): no rule that looks only at Python containers may report
 *       them.
 *   <li>{@value #DISPUTED}: the fixture states what a Python engineer expects and the engine does
 *       not do; the reason says why. Its expectation must fail (the test is then skipped and
 *       counted as such), until the engine changes and the mark is removed.
 * </ul>
 *
 * <p>The first document may be any audited kind (StatefulSet, Job, CronJob, bare Pod ...). Every
 * Deployment fixture is also audited re-wrapped as each other kind with the same pod template
 * ({@link #kindCell}): where the rule applies to that kind ({@link Rule#kinds()}) it must give the
 * same verdict, with the same severity and message fragments; where it does not, no finding of the
 * rule. That covers every cell of the rule x kind matrix in docs/rules.md.
 *
 * <p>The audit runs on a clock fixed at {@value #TODAY} (python-eol depends on it). Run with {@code
 * -Dpyhygiene.fixtures.verbose=true} to print every fixture's findings of its rule (message and
 * fix, for review) and its other findings, which shows whether a fixture is clean apart from its
 * own rule.
 */
class RuleFixturesTest {

  static final String TODAY = "2026-11-25T00:00:00Z";
  static final String EXPECT_MESSAGE = "test.pyhygiene.io/expect-message";
  static final String EXPECT_FIX = "test.pyhygiene.io/expect-fix";
  static final String MUST_NOT_CONTAIN = "test.pyhygiene.io/must-not-contain";

  /** The severity the finding must have when it is not the rule's default (graded rules). */
  static final String EXPECT_SEVERITY = "test.pyhygiene.io/expect-severity";

  /** Containers that must not be taken for Python (non-recognition controls). */
  static final String NOT_PYTHON_CONTAINERS = "test.pyhygiene.io/not-python-containers";

  /** Why the engine's answer differs from the fixture's expectation, pending a decision. */
  static final String DISPUTED = "test.pyhygiene.io/disputed";

  static final Pattern FIXTURE_NAME =
      Pattern.compile("(pass|fail|fixed)-[a-z0-9]+(-[a-z0-9]+)*\\.yaml");

  static final String OBSERVATIONS_API = "test.pyhygiene.io/v1";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** For the Observations records (their {@code finishedAt} is an {@code Instant}). */
  private static final ObjectMapper EVIDENCE =
      new ObjectMapper(new YAMLFactory()).findAndRegisterModules();

  private static final Clock CLOCK = Clock.fixed(Instant.parse(TODAY), ZoneOffset.UTC);
  private static final List<Rule> CATALOGUE = RuleCatalog.all();
  private static final Map<String, Rule> RULES =
      CATALOGUE.stream().collect(Collectors.toMap(Rule::id, Function.identity()));

  /** One fixture file. */
  record Fixture(String rule, Path path) {
    String fileName() {
      return path.getFileName().toString();
    }

    boolean expectsFinding() {
      return fileName().startsWith("fail-");
    }

    /**
     * A {@code fixed-X} fixture: the pod template {@code fail-X} has after remediating the rule.
     */
    boolean isFixed() {
      return fileName().startsWith("fixed-");
    }

    Path failing() {
      return path.resolveSibling("fail-" + fileName().substring("fixed-".length()));
    }

    @Override
    public String toString() {
      String f = fileName();
      return rule + "/" + (f.endsWith(".yaml") ? f.substring(0, f.length() - 5) : f);
    }
  }

  /** The {@code rules} folder of the test classpath. */
  static Path fixturesRoot() {
    URL url = RuleFixturesTest.class.getClassLoader().getResource("rules");
    assertThat(url).as("rules/ fixture folder on the test classpath").isNotNull();
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fixture folders, by name. */
  static List<Path> fixtureFolders() throws IOException {
    try (Stream<Path> s = Files.list(fixturesRoot())) {
      return s.filter(Files::isDirectory).sorted().toList();
    }
  }

  static Stream<Fixture> fixtures() throws IOException {
    List<Fixture> out = new ArrayList<>();
    for (Path dir : fixtureFolders()) {
      try (Stream<Path> files = Files.list(dir)) {
        files
            .filter(p -> p.getFileName().toString().endsWith(".yaml"))
            .sorted()
            .forEach(p -> out.add(new Fixture(dir.getFileName().toString(), p)));
      }
    }
    assertThat(out).as("fixtures under %s", fixturesRoot()).isNotEmpty();
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void fixture(Fixture fixture) throws IOException {
    assertThat(fixture.fileName()).as("%s: fixture file name", fixture).matches(FIXTURE_NAME);
    Rule rule = RULES.get(fixture.rule());
    assertThat(rule).as("folder %s names a catalogue rule", fixture.rule()).isNotNull();

    Loaded loaded = load(fixture, fixture.path());
    HasMetadata workload = loaded.workload();
    AuditPolicy policy = loaded.policy();

    Map<String, String> annotations =
        workload.getMetadata().getAnnotations() == null
            ? Map.of()
            : workload.getMetadata().getAnnotations();
    WorkloadView view = WorkloadView.of(workload, loaded.context()).orElseThrow();
    WorkloadAudit audit = new Auditor(CATALOGUE, CLOCK).audit(view, policy);

    if (Boolean.getBoolean("pyhygiene.fixtures.verbose")) {
      String others =
          audit.findings().stream()
              .filter(f -> !f.rule().equals(fixture.rule()))
              .map(f -> f.rule() + "(" + f.container() + ")")
              .collect(Collectors.joining(", "));
      System.out.println(
          "[fixture] " + fixture + ": other findings: " + (others.isEmpty() ? "none" : others));
      audit.findings().stream()
          .filter(f -> f.rule().equals(fixture.rule()))
          .forEach(
              f ->
                  System.out.println(
                      "[fixture] "
                          + fixture
                          + ": "
                          + f.severity().label()
                          + " ["
                          + f.container()
                          + "] "
                          + f.message()
                          + " | fix: "
                          + f.fix()));
    }

    // Contracts every finding keeps, whatever the fixture is about.
    Set<String> containerNames =
        view.containers().stream().map(c -> c.name()).collect(Collectors.toSet());
    for (Finding f : audit.findings()) {
      assertThat(f.message()).as("%s: message of %s", fixture, f.rule()).isNotBlank();
      assertThat(f.fix()).as("%s: fix of %s", fixture, f.rule()).isNotBlank().endsWith(".");
      assertThat(f.container().isEmpty() || containerNames.contains(f.container()))
          .as(
              "%s: finding %s names container '%s' of %s",
              fixture, f.rule(), f.container(), containerNames)
          .isTrue();
    }
    String secret = annotations.get(MUST_NOT_CONTAIN);
    if (secret != null) {
      assertThat(secret).as("%s: %s", fixture, MUST_NOT_CONTAIN).isNotBlank();
      for (Finding f : audit.findings()) {
        assertThat(f.message() + "\n" + f.fix())
            .as("%s: finding %s shows a secret", fixture, f.rule())
            .doesNotContain(secret);
      }
    }

    checkNotPython(fixture, view, audit, annotations);
    disputable(fixture, annotations, () -> check(fixture, rule, policy, audit, annotations));
    if (fixture.isFixed()) {
      checkFix(fixture, rule);
    }
  }

  /**
   * Runs a fixture's expectation. A fixture marked {@value #DISPUTED} states what the engine does
   * not do (yet): its expectation must still fail, and the test is then skipped with the reason, so
   * the disagreement stays visible; once the engine agrees, the test fails until the mark is
   * removed.
   */
  private static void disputable(
      Fixture fixture, Map<String, String> annotations, Runnable expectation) {
    String disputed = annotations.get(DISPUTED);
    if (disputed == null) {
      expectation.run();
      return;
    }
    assertThat(disputed).as("%s: %s gives the reason", fixture, DISPUTED).isNotBlank();
    try {
      expectation.run();
    } catch (AssertionError engineDisagrees) {
      org.junit.jupiter.api.Assumptions.abort(
          fixture
              + " is disputed ("
              + disputed.strip()
              + "): "
              + engineDisagrees.getMessage().lines().findFirst().orElse(""));
    }
    fail(
        "%s: marked %s, but the engine now does what it expects: remove the mark",
        fixture, DISPUTED);
  }

  /** Every Deployment fixture with each other kind the engine audits. */
  static Stream<org.junit.jupiter.params.provider.Arguments> kindCells() throws IOException {
    List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
    for (Fixture f : fixtures().toList()) {
      if (!readDocuments(f.path()).get(0).path("kind").asText().equals("Deployment")) {
        continue;
      }
      for (WorkloadKind kind : WorkloadKind.values()) {
        if (kind != WorkloadKind.DEPLOYMENT) {
          out.add(org.junit.jupiter.params.provider.Arguments.of(f, kind));
        }
      }
    }
    return out.stream();
  }

  /**
   * One cell of the rule x kind matrix: the fixture's pod template under another owner. Where the
   * rule applies to the kind, the fixture's expectation holds as it does for the Deployment; where
   * it does not, the rule reports nothing.
   */
  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("kindCells")
  void kindCell(Fixture fixture, WorkloadKind kind) throws IOException {
    Rule rule = RULES.get(fixture.rule());
    Loaded loaded = load(fixture, fixture.path(), d -> rewrap((ObjectNode) d, kind));
    HasMetadata workload = loaded.workload();
    assertThat(workload.getKind()).isEqualTo(kind.kind());
    Map<String, String> annotations =
        workload.getMetadata().getAnnotations() == null
            ? Map.of()
            : workload.getMetadata().getAnnotations();
    WorkloadView view = WorkloadView.of(workload, loaded.context()).orElseThrow();
    assertThat(view.workloadKind()).isEqualTo(kind);
    WorkloadAudit audit = new Auditor(CATALOGUE, CLOCK).audit(view, loaded.policy());
    String label = fixture + " as " + kind.kind();
    checkNotPython(fixture, view, audit, annotations);
    if (rule.kinds().contains(kind)) {
      disputable(
          fixture,
          annotations,
          () -> check(label, fixture, rule, loaded.policy(), audit, annotations));
    } else {
      assertThat(audit.python()).as("%s must be selected as a Python service", label).isTrue();
      assertThat(audit.findings())
          .as(
              "%s: %s does not apply to a %s (%s)",
              label, rule.id(), kind.kind(), rule.kindsReason())
          .noneMatch(f -> f.rule().equals(rule.id()));
    }
  }

  /**
   * A Deployment document as {@code kind} with the same metadata and pod template. A Job's and a
   * CronJob's pod must not restart Always (the API server rejects it), so such a template gets
   * OnFailure; a bare Pod carries the Deployment's metadata with the template's labels and
   * annotations added (Services select it by them).
   */
  static ObjectNode rewrap(ObjectNode deployment, WorkloadKind kind) {
    ObjectNode meta = deployment.path("metadata").deepCopy();
    JsonNode spec = deployment.path("spec");
    ObjectNode template = spec.path("template").deepCopy();
    ObjectNode out = YAML.createObjectNode();
    out.put("apiVersion", kind.apiVersion()).put("kind", kind.kind());
    out.set("metadata", meta);
    ObjectNode s = out.putObject("spec");
    switch (kind) {
      case STATEFUL_SET -> {
        copy(spec, s, "replicas");
        s.put("serviceName", meta.path("name").asText());
        copy(spec, s, "selector");
        s.set("template", template);
      }
      case DAEMON_SET -> {
        copy(spec, s, "selector");
        s.set("template", template);
      }
      case REPLICA_SET -> {
        copy(spec, s, "replicas");
        copy(spec, s, "selector");
        s.set("template", template);
      }
      case JOB -> s.set("template", runToCompletion(template));
      case CRON_JOB -> {
        s.put("schedule", "*/15 * * * *");
        s.putObject("jobTemplate").putObject("spec").set("template", runToCompletion(template));
      }
      case POD -> {
        for (String field : List.of("labels", "annotations")) {
          JsonNode own = template.path("metadata").path(field);
          if (own.isObject()) {
            ObjectNode merged =
                meta.has(field) ? (ObjectNode) meta.get(field) : meta.putObject(field);
            own.fields()
                .forEachRemaining(
                    e -> {
                      if (!merged.has(e.getKey())) {
                        merged.set(e.getKey(), e.getValue());
                      }
                    });
          }
        }
        out.set("spec", template.path("spec").deepCopy());
      }
      case DEPLOYMENT -> out.set("spec", spec.deepCopy());
    }
    return out;
  }

  private static ObjectNode runToCompletion(ObjectNode template) {
    ObjectNode podSpec = (ObjectNode) template.path("spec");
    String restart = podSpec.path("restartPolicy").asText("Always");
    if (restart.isEmpty() || restart.equals("Always")) {
      podSpec.put("restartPolicy", "OnFailure");
    }
    return template;
  }

  private static void copy(JsonNode from, ObjectNode to, String field) {
    if (from.has(field)) {
      to.set(field, from.get(field).deepCopy());
    }
  }

  /**
   * The containers named by {@value #NOT_PYTHON_CONTAINERS} exist, are not taken for Python, and no
   * rule that looks only at Python containers reports them.
   */
  private static void checkNotPython(
      Fixture fixture, WorkloadView view, WorkloadAudit audit, Map<String, String> annotations) {
    List<String> names =
        java.util.Arrays.stream(annotations.getOrDefault(NOT_PYTHON_CONTAINERS, "").split(","))
            .map(String::strip)
            .filter(n -> !n.isEmpty())
            .toList();
    for (String name : names) {
      ContainerView c =
          view.containers().stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
      assertThat(c)
          .as("%s: %s names container '%s' of the workload", fixture, NOT_PYTHON_CONTAINERS, name)
          .isNotNull();
      assertThat(c.looksPython()).as("%s: container %s taken for Python", fixture, name).isFalse();
      assertThat(view.pythonContainers()).as("%s: Python containers", fixture).doesNotContain(c);
      List<Finding> pythonOnly =
          audit.findings().stream()
              .filter(f -> f.container().equals(name))
              .filter(
                  f -> RULES.get(f.rule()) instanceof ContainerRule r && r.pythonContainersOnly())
              .toList();
      assertThat(pythonOnly)
          .as("%s: Python-only rules reporting container %s", fixture, name)
          .isEmpty();
    }
  }

  /**
   * A fixture's documents: the workload, its policy (defaults when none), its observations, and the
   * audit context the other documents give (Services, ConfigMaps, test-only ImageConfigs).
   */
  record Loaded(
      HasMetadata workload, AuditPolicy policy, JsonNode observations, WorkloadContext context) {
    Deployment deployment() {
      return (Deployment) workload;
    }
  }

  private static Loaded load(Fixture fixture, Path path) throws IOException {
    return load(fixture, path, Function.identity());
  }

  /** As {@link #load(Fixture, Path)}, with the workload document rewritten first. */
  private static Loaded load(Fixture fixture, Path path, Function<JsonNode, JsonNode> rewrap)
      throws IOException {
    List<JsonNode> docs = new ArrayList<>(readDocuments(path));
    if (!docs.isEmpty()) {
      docs.set(0, rewrap.apply(docs.get(0)));
    }
    assertThat(docs)
        .as(
            "documents in %s (a workload, then optionally a policy, observations,"
                + " Services, ConfigMaps and ImageConfigs)",
            path.getFileName())
        .isNotEmpty();
    JsonNode first = docs.get(0);
    String kind = first.path("kind").asText();
    assertThat(WorkloadKind.of(kind))
        .as("%s: document 1 is an audited kind, not %s", fixture, kind)
        .isPresent();
    HasMetadata workload = YAML.treeToValue(first, HasMetadata.class);
    assertNoUnknownFields(workload, fixture + ": " + kind);
    AuditPolicy policy = null;
    JsonNode observations = null;
    List<Service> services = new ArrayList<>();
    List<ConfigMap> configMaps = new ArrayList<>();
    Map<String, ImageFacts> images = new java.util.HashMap<>();
    for (JsonNode doc : docs.subList(1, docs.size())) {
      String type = doc.path("apiVersion").asText() + " " + doc.path("kind").asText();
      if (type.equals("pyhygiene.io/v1alpha1 PythonHygienePolicy") && policy == null) {
        PythonHygienePolicy crd = YAML.treeToValue(doc, PythonHygienePolicy.class);
        PolicyResolver.Result resolved =
            new PolicyResolver(CATALOGUE)
                .resolve(
                    crd.getMetadata() == null ? "" : crd.getMetadata().getName(), crd.getSpec());
        assertThat(resolved.errors()).as("policy in %s is valid", fixture).isEmpty();
        policy = resolved.policy();
      } else if (type.equals(OBSERVATIONS_API + " Observations") && observations == null) {
        observations = doc;
      } else if (type.equals("v1 Service")) {
        Service svc = YAML.treeToValue(doc, Service.class);
        assertNoUnknownFields(svc, fixture + ": Service");
        services.add(svc);
      } else if (type.equals("v1 ConfigMap")) {
        configMaps.add(YAML.treeToValue(doc, ConfigMap.class));
      } else if (type.equals(OBSERVATIONS_API + " ImageConfig")) {
        images.put(doc.path("image").asText(), imageFacts(fixture, doc));
      } else {
        fail(
            "%s: unexpected document '%s' (expected a pyhygiene.io/v1alpha1"
                + " PythonHygienePolicy, a %s Observations, Services, ConfigMaps or %s ImageConfigs)",
            fixture, type, OBSERVATIONS_API, OBSERVATIONS_API);
      }
    }
    WorkloadContext context =
        new WorkloadContext(
            services.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(services),
            configMaps,
            images,
            observations == null ? Observations.NONE : observationsOf(fixture, observations));
    return new Loaded(
        workload, policy == null ? AuditPolicy.defaults() : policy, observations, context);
  }

  /**
   * A test-only {@code ImageConfig} document: what image resolution would have read for {@code
   * image} ({@code config} with Docker's field names), or {@code unresolved: reason}.
   */
  private static ImageFacts imageFacts(Fixture fixture, JsonNode doc) {
    assertThat(doc.path("image").asText()).as("%s: ImageConfig.image", fixture).isNotEmpty();
    if (doc.has("unresolved")) {
      return ImageFacts.unresolved(doc.path("unresolved").asText());
    }
    JsonNode c = doc.path("config");
    return ImageFacts.resolved(
        new ImageFacts.Config(
            doc.path("digest").asText("sha256:test"),
            strings(c.path("Entrypoint")),
            strings(c.path("Cmd")),
            c.path("User").asText(""),
            strings(c.path("Env")),
            c.path("StopSignal").asText(""),
            c.path("WorkingDir").asText("")));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Remediating the rule on {@code fail-X} gives exactly the pod template of {@code fixed-X}. */
  private static void checkFix(Fixture fixture, Rule rule) throws IOException {
    assertThat(rule)
        .as("%s: fixed-* fixtures belong to auto-fixable rules", fixture)
        .isInstanceOf(io.pyhygiene.engine.FixableRule.class);
    assertThat(fixture.failing()).as("%s: the fail fixture it fixes", fixture).isRegularFile();
    Loaded failing = load(fixture, fixture.failing());
    AuditPolicy p = failing.policy();
    AuditPolicy remediating =
        new AuditPolicy(
            p.name(),
            p.mode(),
            p.labelOnly(),
            p.rules(),
            p.marginSeconds(),
            p.preStopSeconds(),
            p.memoryMinBytes(),
            p.memoryMaxBytes(),
            p.memoryPerWorkerBytes(),
            p.memoryDefaultBytes(),
            p.runAsUser(),
            p.exemptions(),
            new AuditPolicy.Remediation(true, Set.of(rule.id()), 1, false));
    FixPlan plan =
        new FixPlanner(new Auditor(CATALOGUE, CLOCK)).plan(failing.deployment(), remediating);
    assertThat(plan.fixedRules())
        .as("%s: rules the plan fixes (not fixable: %s)", fixture, plan.notFixable())
        .containsExactly(rule.id());
    JsonNode applied =
        YAML.valueToTree(
            YAML.convertValue(
                ApplyMerge.merge(YAML.valueToTree(failing.deployment()), plan.patch()),
                Deployment.class));
    JsonNode expected = YAML.valueToTree(load(fixture, fixture.path()).deployment());
    assertThat(applied.path("spec").path("template"))
        .as("%s: the pod template after remediating %s", fixture, rule.id())
        .isEqualTo(expected.path("spec").path("template"));
  }

  private static void check(
      Fixture fixture,
      Rule rule,
      AuditPolicy policy,
      WorkloadAudit audit,
      Map<String, String> annotations) {
    check(fixture.toString(), fixture, rule, policy, audit, annotations);
  }

  /** The fixture's expectation for its rule; {@code fixture} in messages is {@code label}. */
  private static void check(
      String label,
      Fixture expectation,
      Rule rule,
      AuditPolicy policy,
      WorkloadAudit audit,
      Map<String, String> annotations) {
    assertThat(audit.python())
        .as("%s must be selected as a Python service, or it proves nothing", label)
        .isTrue();
    String id = rule.id();
    List<Finding> own = audit.findings().stream().filter(f -> f.rule().equals(id)).toList();
    List<String> messageFragments = lines(annotations.get(EXPECT_MESSAGE));
    List<String> fixFragments = lines(annotations.get(EXPECT_FIX));

    if (!expectation.expectsFinding()) {
      assertThat(messageFragments).as("%s: %s on a pass fixture", label, EXPECT_MESSAGE).isEmpty();
      assertThat(fixFragments).as("%s: %s on a pass fixture", label, EXPECT_FIX).isEmpty();
      assertThat(own)
          .as(
              "%s: no %s finding expected; all findings:%n%s",
              label, id, describe(audit.findings()))
          .isEmpty();
      return;
    }

    assertThat(policy.enabled(id)).as("%s: the fixture's policy disables %s", label, id).isTrue();
    assertThat(own)
        .as("%s: a %s finding expected; all findings:%n%s", label, id, describe(audit.findings()))
        .isNotEmpty();
    Severity expected =
        annotations.containsKey(EXPECT_SEVERITY)
            ? Severity.parse(annotations.get(EXPECT_SEVERITY)).orElseThrow()
            : policy.severity(id, rule.info().severity());
    assertThat(own)
        .as(
            "%s: severity of %s findings (%s for a graded or conditional finding)",
            label, id, EXPECT_SEVERITY)
        .allSatisfy(f -> assertThat(f.severity()).isEqualTo(expected));
    Optional<Finding> match =
        own.stream()
            .filter(f -> messageFragments.stream().allMatch(f.message()::contains))
            .filter(f -> fixFragments.stream().allMatch(f.fix()::contains))
            .findFirst();
    assertThat(match)
        .as(
            "%s: a %s finding whose message contains %s and fix contains %s;" + " %s findings:%n%s",
            label, id, messageFragments, fixFragments, id, describe(own))
        .isPresent();
  }

  /**
   * Runtime evidence from an Observations document: its {@code terminations} and {@code conflicts}
   * map onto {@link Observations}.
   */
  private static Observations observationsOf(Fixture fixture, JsonNode doc) {
    ObjectNode data = doc.deepCopy();
    data.remove("apiVersion");
    data.remove("kind");
    if (!data.has("terminations")) {
      data.putArray("terminations");
    }
    if (!data.has("conflicts")) {
      data.putArray("conflicts");
    }
    try {
      return EVIDENCE.treeToValue(data, Observations.class);
    } catch (IOException e) {
      throw new AssertionError(fixture + ": cannot build the workload's Observations: " + e, e);
    }
  }

  private static List<String> lines(String value) {
    if (value == null) {
      return List.of();
    }
    return value.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static String describe(List<Finding> findings) {
    if (findings.isEmpty()) {
      return "  (none)";
    }
    return findings.stream()
        .map(
            f ->
                "  "
                    + f.rule()
                    + " "
                    + f.severity().label()
                    + " ["
                    + f.container()
                    + "] "
                    + f.message()
                    + " | fix: "
                    + f.fix())
        .collect(Collectors.joining("\n"));
  }

  private static List<JsonNode> readDocuments(Path path) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(path.toFile())) {
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  /**
   * fabric8 model classes keep unknown YAML keys in {@code additionalProperties} instead of
   * failing, so a misspelt field ({@code runAsNonroot}) would silently make a fixture pass for the
   * wrong reason. Walks the model and fails on any such key.
   */
  private static void assertNoUnknownFields(Object root, String where) {
    walk(root, where, new IdentityHashMap<>());
  }

  private static void walk(Object o, String where, Map<Object, Boolean> seen) {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, where + "[" + i++ + "]", seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        walk(e.getValue(), where + "." + e.getKey(), seen);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      if (m.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          fail("unknown field(s) %s at %s (misspelt?)", extra.keySet(), where);
        }
        continue;
      }
      String field = m.getName().substring(3);
      walk(value, where + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1), seen);
    }
  }
}
