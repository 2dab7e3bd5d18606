package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.cli.AuditRun;
import io.pyhygiene.cli.JsonReport;
import io.pyhygiene.cli.SarifReport;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.Verdict;
import io.pyhygiene.engine.WorkloadAudit;
import io.pyhygiene.json.Json;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.testkit.Repository;
import io.pyhygiene.workload.WorkloadView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad input, no cluster: the engine (and the CLI's JSON and SARIF renderers) on mutated real
 * manifests and on oversized ones. Properties, not just "no exception": the verdict is a pure
 * function of the input, follows the findings, and secret literal values are never echoed.
 */
@Tag("fault-subset")
class BadInputFaultIT {

  @RegisterExtension final Reliability report = new Reliability();

  static final Auditor AUDITOR =
      new Auditor(
          RuleCatalog.all(), Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));
  static final long SEED = Long.getLong("faults.seed", 20261125L);
  static List<JsonNode> seeds;

  /** The Deployments among the rule fixtures: real manifests, each exercising a rule. */
  @BeforeAll
  static void readSeeds() throws IOException {
    seeds = new ArrayList<>();
    try (Stream<Path> files =
        Files.walk(Repository.root().resolve("core/src/test/resources/rules"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
          JsonNode n = Json.YAML.readTree(doc);
          if (n != null && "Deployment".equals(n.path("kind").asText())) {
            seeds.add(n);
          }
        }
      }
    }
    assertThat(seeds).as("Deployment fixtures to mutate").hasSizeGreaterThan(100);
  }

  static int fuzzSpecs() {
    return Integer.getInteger("faults.fuzzSpecs", 100_000);
  }

  @Test
  @Timeout(3600)
  @DisplayName("the engine on generated and mutated specs: pure, consistent, never echoes a secret")
  void mutatedSpecs() throws Exception {
    int n = fuzzSpecs();
    SpecMutator mutator = new SpecMutator(SEED);
    report.injected(
        n
            + " Deployments mutated from the "
            + seeds.size()
            + " Deployment rule fixtures"
            + " (seed "
            + SEED
            + "), 1-4 mutations each: strings replaced by hostile ones (lone"
            + " surrogates, NUL, shell syntax, absurd quantities, random UTF-16 of up to 20,000 units),"
            + " integers by Long.MIN/MAX_VALUE, -1, 0, booleans flipped, array elements duplicated up"
            + " to 200 times, fields removed, values of the wrong JSON type, nesting 50-450 deep, and"
            + " secret-named env literals carrying sentinel values (plain, in a DSN, in a PEM block).");
    long started = System.nanoTime();
    int rejected = 0;
    int python = 0;
    int withSecret = 0;
    Map<Verdict, Integer> verdicts = new HashMap<>();
    List<AuditRun.Audited> batch = new ArrayList<>();
    List<String> batchSentinels = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int before = mutator.sentinelCount();
      JsonNode mutant = mutator.mutate(seeds.get(i % seeds.size()));
      List<String> sentinels = mutator.sentinelsSince(before);
      Deployment d;
      try {
        d = Json.MAPPER.convertValue(mutant, Deployment.class);
      } catch (IllegalArgumentException e) {
        rejected++; // not a Deployment at all: the CLI reports such a document as an input error
        continue;
      }
      String where = "mutant " + i + " (seed " + SEED + ")";
      String json = Json.MAPPER.writeValueAsString(d);
      WorkloadAudit audit = AUDITOR.audit(WorkloadView.of(d), AuditPolicy.defaults());
      assertThat(Json.MAPPER.writeValueAsString(d))
          .as("%s: auditing changes nothing", where)
          .isEqualTo(json);
      assertThat(AUDITOR.audit(WorkloadView.of(d), AuditPolicy.defaults()))
          .as("%s: the same input audits the same", where)
          .isEqualTo(audit);
      Deployment copy = Json.MAPPER.readValue(json, Deployment.class);
      assertThat(AUDITOR.audit(WorkloadView.of(copy), AuditPolicy.defaults()))
          .as("%s: a copy audits the same", where)
          .isEqualTo(audit);
      if (audit.python()) {
        python++;
        assertThat(audit.verdict())
            .as("%s: the verdict follows the findings", where)
            .isEqualTo(Verdict.of(audit.findings()));
      } else {
        assertThat(audit.verdict()).as(where).isEqualTo(Verdict.SKIPPED);
        assertThat(audit.findings()).as(where).isEmpty();
      }
      verdicts.merge(audit.verdict(), 1, Integer::sum);
      for (Finding f : audit.findings()) {
        assertThat(f.message()).as("%s: %s has a message", where, f.rule()).isNotBlank();
        for (String s : sentinels) {
          assertThat(f.toString())
              .as("%s: finding %s echoes a secret", where, f.rule())
              .doesNotContain(s);
        }
      }
      if (!sentinels.isEmpty() && audit.python()) {
        withSecret++;
      }
      batch.add(new AuditRun.Audited("mutant-" + i + ".yaml", 1, 1, audit));
      batchSentinels.addAll(sentinels);
      if (batch.size() == 500 || i == n - 1) {
        assertReportsClean(batch, batchSentinels);
        batch.clear();
        batchSentinels.clear();
      }
    }
    long ms = (System.nanoTime() - started) / 1_000_000;
    report
        .observed(
            "No exception; every property held for every mutant that reads as a Deployment;"
                + " the JSON and SARIF reports of every batch of 500 parse back and hold no sentinel.")
        .figure("mutants", n)
        .figure("not a Deployment (input error)", rejected)
        .figure("audited", n - rejected)
        .figure("detected as Python", python)
        .figure("Python mutants carrying a secret literal", withSecret)
        .figure("verdicts", verdicts)
        .figure("wall time", ms + " ms")
        .figure("per mutant (3 audits, 2 copies)", String.format("%.1f µs", ms * 1000.0 / n));
    assertThat(n - rejected).as("most mutants still read as Deployments").isGreaterThan(n / 2);
    assertThat(withSecret).as("secret literals were really audited").isGreaterThan(0);
  }

  private static void assertReportsClean(List<AuditRun.Audited> batch, List<String> sentinels)
      throws IOException {
    AuditRun run = new AuditRun(batch, List.of());
    String json = JsonReport.render(run);
    String sarif = SarifReport.render(run, AUDITOR.rules(), "faults");
    assertThat(Json.MAPPER.readTree(json).path("workloads").size()).isEqualTo(batch.size());
    assertThat(Json.MAPPER.readTree(sarif).path("runs").isArray()).isTrue();
    for (String s : sentinels) {
      assertThat(json).as("JSON report").doesNotContain(s);
      assertThat(sarif).as("SARIF report").doesNotContain(s);
    }
  }

  @Test
  @Timeout(300)
  @DisplayName(
      "oversized specs: a 1 MiB env value and script, 2,000 containers' args, binary junk in annotations")
  void oversizedSpecs() throws Exception {
    SpecMutator junk = new SpecMutator(SEED);
    String mib = "x".repeat(1 << 20);
    String secret = SpecMutator.SENTINEL_PREFIX + "-big-" + "s".repeat((1 << 20) - 20);
    JsonNode base =
        seeds.stream()
            .filter(s -> s.path("metadata").path("name").asText().contains("gunicorn"))
            .findFirst()
            .orElse(seeds.get(0));

    // 1 MiB values: a plain env value, a secret literal, an sh -c script and one argument
    Deployment big = Json.MAPPER.convertValue(base, Deployment.class);
    Container c = big.getSpec().getTemplate().getSpec().getContainers().get(0);
    List<EnvVar> env = new ArrayList<>(c.getEnv() == null ? List.of() : c.getEnv());
    env.add(new EnvVar("BIG", mib, null));
    env.add(new EnvVar("DB_PASSWORD", secret, null));
    c.setEnv(env);
    c.setCommand(List.of("sh", "-c", "gunicorn app:app " + "--opt ".repeat((1 << 20) / 6)));
    c.setArgs(List.of(mib));
    long t0 = System.nanoTime();
    WorkloadAudit a1 = AUDITOR.audit(WorkloadView.of(big), AuditPolicy.defaults());
    long bigMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(a1.findings()).extracting(Finding::rule).contains("plaintext-secret-env");
    for (Finding f : a1.findings()) {
      assertThat(f.toString()).doesNotContain(SpecMutator.SENTINEL_PREFIX + "-big-");
      assertThat(f.message().length()).as("%s's message stays short", f.rule()).isLessThan(4096);
    }

    // 2,000 containers with 100 arguments each
    Deployment many = Json.MAPPER.convertValue(base, Deployment.class);
    Container template = many.getSpec().getTemplate().getSpec().getContainers().get(0);
    List<Container> containers = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      Container copy = Json.MAPPER.convertValue(Json.MAPPER.valueToTree(template), Container.class);
      copy.setName("c" + i);
      List<String> args = new ArrayList<>();
      for (int k = 0; k < 100; k++) {
        args.add(k % 2 == 0 ? "--workers" : Integer.toString(k));
      }
      copy.setArgs(args);
      containers.add(copy);
    }
    many.getSpec().getTemplate().getSpec().setContainers(containers);
    t0 = System.nanoTime();
    WorkloadAudit a2 = AUDITOR.audit(WorkloadView.of(many), AuditPolicy.defaults());
    long manyMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(a2.python()).isTrue();
    assertThat(a2.findings().size())
        .as("findings bounded by containers x rules")
        .isLessThanOrEqualTo(2_000 * AUDITOR.rules().size() + AUDITOR.rules().size());

    // Binary junk (any UTF-16 unit: NUL, lone surrogates, U+FFFF) in annotation keys and values,
    // the exemption annotations included
    Deployment junky = Json.MAPPER.convertValue(base, Deployment.class);
    Map<String, String> annotations = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      annotations.put(junk.binary(1 + i % 60), junk.binary(1 + (i * 37) % 5000));
    }
    annotations.put("pyhygiene.io/exempt", junk.binary(3000));
    annotations.put("pyhygiene.io/exempt-reason", junk.binary(3000));
    junky.getMetadata().setAnnotations(annotations);
    junky.getSpec().getTemplate().getMetadata().setAnnotations(annotations);
    t0 = System.nanoTime();
    WorkloadAudit a3 = AUDITOR.audit(WorkloadView.of(junky), AuditPolicy.defaults());
    long junkMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(a3.verdict()).isEqualTo(Verdict.of(a3.findings()));
    assertThat(AUDITOR.audit(WorkloadView.of(junky), AuditPolicy.defaults())).isEqualTo(a3);
    AuditRun run =
        new AuditRun(
            List.of(
                new AuditRun.Audited("big.yaml", 1, 1, a1),
                new AuditRun.Audited("many.yaml", 2, 1, a2),
                new AuditRun.Audited("junk.yaml", 3, 1, a3)),
            List.of());
    String json = JsonReport.render(run);
    assertThat(Json.MAPPER.readTree(json).path("workloads").size()).isEqualTo(3);
    assertThat(json).doesNotContain(SpecMutator.SENTINEL_PREFIX + "-big-");
    String sarif = SarifReport.render(run, AUDITOR.rules(), "faults");
    assertThat(sarif).doesNotContain(SpecMutator.SENTINEL_PREFIX + "-big-");

    report
        .injected(
            "One Deployment with a 1 MiB plain env value, a 1 MiB secret literal, a 1 MiB sh -c"
                + " script and a 1 MiB argument; one with 2,000 containers of 100 arguments each; one with"
                + " 200 annotations of random UTF-16 units (NUL, lone surrogates) in keys and values,"
                + " pyhygiene.io/exempt and its reason included.")
        .observed(
            "Each audits without an exception; the secret is flagged and never echoed;"
                + " messages stay under 4 KiB; the verdict follows the findings and is repeatable;"
                + " the JSON and SARIF reports parse back.")
        .figure("1 MiB values: audit", bigMs + " ms")
        .figure("2,000 containers: audit", manyMs + " ms")
        .figure("2,000 containers: findings", a2.findings().size())
        .figure("binary annotations: audit", junkMs + " ms")
        .figure("binary annotations: verdict", a3.verdict().label());
  }
}
