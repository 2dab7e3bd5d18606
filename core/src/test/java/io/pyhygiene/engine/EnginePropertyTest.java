package io.pyhygiene.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SleepAction;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import io.pyhygiene.json.Json;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.WorkloadView;
import io.pyhygiene.workload.shell.ShellScript;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Thousands of random, partial and hostile Deployments through the engine, checking properties
 * rather than examples: a verdict is a pure function of its input (the same Deployment, or a copy
 * of it, always audits the same; auditing never changes it); a plan, once applied, leaves nothing
 * more to plan; the verdict follows the findings; and secret-looking literal env values never
 * appear in any finding.
 */
class EnginePropertyTest {

  private final Auditor auditor =
      new Auditor(
          RuleCatalog.all(), Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));

  /** Strings that stress the parsers: shell syntax, quotes, unicode, empties, huge ones. */
  private static Arbitrary<String> nasty() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "",
            " ",
            "sh",
            "-c",
            "exec",
            "python3",
            "gunicorn",
            "uvicorn",
            "-w",
            "--workers=",
            "$(X)",
            "\"",
            "'",
            "&&",
            "||",
            "|",
            ";",
            "&",
            "(",
            ")",
            "{",
            "}",
            "<<EOF",
            "\\",
            "trap 'kill -TERM $P' TERM",
            "if",
            "fi",
            "case x in",
            "esac",
            "sleep",
            "infinity",
            "python:3.9-alpine",
            "registry:5000/app",
            "@sha256:",
            "latest",
            "0",
            "-1",
            "99999999999999999999",
            "128Mi",
            "1e9",
            "Gi",
            "−5",
            "３",
            "日本語",
            "\u0000",
            "\uD83D\uDE00"),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings()
            .withChars("sh-c'\"$();&|{}<>\\ \nexecpython3w=0123456789")
            .ofMaxLength(120),
        Arbitraries.strings().ofMinLength(5000).ofMaxLength(20000).withChars("ab &|;'\"("));
  }

  private static <T> Arbitrary<List<T>> listsOrNull(Arbitrary<T> element) {
    return Arbitraries.oneOf(Arbitraries.just(null), element.list().ofMaxSize(5));
  }

  private static Arbitrary<String> stringOrNull() {
    return Arbitraries.oneOf(Arbitraries.just(null), nasty());
  }

  private static Arbitrary<Boolean> boolOrNull() {
    return Arbitraries.of(null, true, false);
  }

  private static Arbitrary<Quantity> quantity() {
    return Arbitraries.oneOf(
        Arbitraries.just(null),
        nasty()
            .map(
                s -> {
                  Quantity q = new Quantity();
                  q.setAmount(s);
                  return q;
                }),
        Arbitraries.of("64Mi", "512Mi", "1Gi", "2G", "100m").map(Quantity::new));
  }

  /**
   * A generated container with identity equality: jqwik hashes list elements, and fabric8's {@code
   * Quantity.hashCode} throws on the invalid amounts generated on purpose here.
   */
  static final class Generated {
    final Container container;

    Generated(Container container) {
      this.container = container;
    }

    @Override
    public String toString() {
      return String.valueOf(container);
    }
  }

  private static Arbitrary<Generated> container() {
    Arbitrary<EnvVar> env =
        Combinators.combine(stringOrNull(), stringOrNull(), boolOrNull())
            .as(
                (n, v, ref) ->
                    new EnvVar(n, v, Boolean.TRUE.equals(ref) ? new EnvVarSource() : null));
    Arbitrary<SecurityContext> sc =
        Combinators.combine(
                Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.longs().between(-5, 70000)),
                boolOrNull(),
                boolOrNull(),
                boolOrNull(),
                boolOrNull(),
                listsOrNull(stringOrNull()),
                stringOrNull())
            .as(
                (uid, nonRoot, priv, esc, ro, drop, seccomp) -> {
                  SecurityContext s = new SecurityContext();
                  s.setRunAsUser(uid);
                  s.setRunAsNonRoot(nonRoot);
                  s.setPrivileged(priv);
                  s.setAllowPrivilegeEscalation(esc);
                  s.setReadOnlyRootFilesystem(ro);
                  s.setCapabilities(drop == null ? null : new Capabilities(null, drop));
                  s.setSeccompProfile(seccomp == null ? null : new SeccompProfile(null, seccomp));
                  return s;
                });
    Arbitrary<Lifecycle> lifecycle =
        Arbitraries.oneOf(
            Arbitraries.just(null),
            listsOrNull(stringOrNull())
                .map(
                    cmd -> {
                      LifecycleHandler h = new LifecycleHandler();
                      h.setExec(new ExecAction(cmd));
                      return new Lifecycle(null, h, null);
                    }),
            Arbitraries.longs()
                .between(-10, 100000)
                .map(
                    s -> {
                      LifecycleHandler h = new LifecycleHandler();
                      h.setSleep(new SleepAction(s));
                      return new Lifecycle(null, h, null);
                    }));
    return Combinators.combine(
            stringOrNull(),
            stringOrNull(),
            listsOrNull(stringOrNull()),
            listsOrNull(stringOrNull()),
            listsOrNull(env),
            Arbitraries.oneOf(Arbitraries.just(null), sc),
            Combinators.combine(quantity(), quantity())
                .as(
                    (l, r) -> {
                      Map<String, Quantity> lim = new HashMap<>();
                      Map<String, Quantity> req = new HashMap<>();
                      if (l != null) {
                        lim.put("memory", l);
                      }
                      if (r != null) {
                        req.put("memory", r);
                      }
                      return new ResourceRequirements(null, lim, req);
                    }),
            lifecycle)
        .as(
            (name, image, command, args, envs, securityContext, resources, lc) -> {
              Container c = new Container();
              c.setName(name);
              c.setImage(image);
              c.setCommand(command);
              c.setArgs(args);
              c.setEnv(envs);
              c.setSecurityContext(securityContext);
              c.setResources(resources);
              c.setLifecycle(lc);
              c.setPorts(
                  name != null && name.length() % 2 == 0 ? List.of(new ContainerPort()) : null);
              return new Generated(c);
            });
  }

  @Provide
  Arbitrary<Deployment> deployments() {
    Arbitrary<Map<String, String>> labels =
        Arbitraries.oneOf(
            Arbitraries.just(null),
            Arbitraries.of(
                Map.of("pyhygiene.io/runtime", "python"),
                Map.of("pyhygiene.io/runtime", "go"),
                Map.of()),
            Arbitraries.maps(nasty(), nasty()).ofMaxSize(3));
    Arbitrary<Map<String, String>> annotations =
        Arbitraries.oneOf(
            Arbitraries.just(null),
            nasty().map(v -> Map.of("pyhygiene.io/exempt", v)),
            Arbitraries.maps(nasty(), nasty()).ofMaxSize(3));
    return Combinators.combine(
            stringOrNull(),
            labels,
            annotations,
            listsOrNull(container()),
            Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.longs().between(-5, 100000)),
            boolOrNull(),
            Arbitraries.of(0, 1, 2, 3))
        .as(
            (name, l, a, containers, grace, share, shape) -> {
              Deployment d = new Deployment();
              if (shape == 0) {
                return d; // nothing at all
              }
              d.setMetadata(new ObjectMeta());
              d.getMetadata().setName(name);
              d.getMetadata().setLabels(l);
              d.getMetadata().setAnnotations(a);
              if (shape == 1) {
                return d;
              }
              d.setSpec(new DeploymentSpec());
              if (shape == 2) {
                return d;
              }
              PodSpec spec = new PodSpec();
              List<Container> cs = null;
              if (containers != null) {
                cs = new ArrayList<>();
                for (Generated g : containers) {
                  cs.add(g.container);
                }
              }
              spec.setContainers(cs);
              spec.setTerminationGracePeriodSeconds(grace);
              spec.setShareProcessNamespace(share);
              spec.setSecurityContext(
                  grace != null && grace % 3 == 0 ? new PodSecurityContext() : null);
              d.getSpec().setTemplate(new PodTemplateSpec(null, spec));
              return d;
            });
  }

  @Property(tries = 3000)
  void engineNeverThrowsOnAnyDeployment(@ForAll("deployments") Deployment deployment) {
    WorkloadAudit audit = auditor.audit(WorkloadView.of(deployment), AuditPolicy.defaults());
    assertThat(audit.verdict()).isNotNull();
  }

  @Property(tries = 2000, maxDiscardRatio = 20)
  void theVerdictIsAPureFunctionOfTheDeployment(@ForAll("deploymentsAsJson") String json)
      throws Exception {
    // As JSON: fabric8's equals/hashCode throw on malformed quantities, which jqwik calls.
    Deployment deployment = Json.MAPPER.readValue(json, Deployment.class);
    Deployment copy =
        Json.MAPPER.convertValue(Json.MAPPER.valueToTree(deployment), Deployment.class);
    String before = Json.MAPPER.valueToTree(deployment).toString();
    WorkloadAudit audit = auditor.audit(WorkloadView.of(deployment), AuditPolicy.defaults());
    assertThat(Json.MAPPER.valueToTree(deployment).toString())
        .as("auditing changes nothing")
        .isEqualTo(before);
    assertThat(auditor.audit(WorkloadView.of(deployment), AuditPolicy.defaults()))
        .as("the same input audits the same")
        .isEqualTo(audit);
    assertThat(auditor.audit(WorkloadView.of(copy), AuditPolicy.defaults()))
        .as("a copy audits the same")
        .isEqualTo(audit);
    if (audit.python()) {
      assertThat(audit.verdict())
          .as("the verdict follows the findings")
          .isEqualTo(Verdict.of(audit.findings()));
    } else {
      assertThat(audit.verdict()).isEqualTo(Verdict.SKIPPED);
      assertThat(audit.findings()).isEmpty();
    }
    for (Finding f : audit.findings()) {
      assertThat(f.message()).isNotBlank();
      assertThat(f.fix()).endsWith(".");
    }
  }

  /** Every fixable rule remediated at once: applying the plan leaves nothing to plan. */
  @Property(tries = 1000, maxDiscardRatio = 20)
  void planningAgainAfterApplyingAPlanPlansNothing(@ForAll("deploymentsAsJson") String json)
      throws Exception {
    Deployment deployment = Json.MAPPER.readValue(json, Deployment.class);
    if (deployment.getMetadata() == null) {
      deployment.setMetadata(new ObjectMeta());
    }
    deployment.getMetadata().setName("api");
    AuditPolicy d = AuditPolicy.defaults();
    java.util.Set<String> fixable = new java.util.HashSet<>();
    auditor.rules().stream().filter(Rule::autoFixable).forEach(r -> fixable.add(r.id()));
    AuditPolicy all =
        new AuditPolicy(
            d.name(),
            d.mode(),
            d.labelOnly(),
            d.rules(),
            d.marginSeconds(),
            d.preStopSeconds(),
            d.memoryMinBytes(),
            d.memoryMaxBytes(),
            d.memoryPerWorkerBytes(),
            d.memoryDefaultBytes(),
            d.runAsUser(),
            d.exemptions(),
            new AuditPolicy.Remediation(true, fixable, 1, false));
    FixPlanner planner = new FixPlanner(auditor);
    FixPlan plan = planner.plan(deployment, all);
    Deployment applied =
        Json.MAPPER.convertValue(
            io.pyhygiene.ssa.ApplyMerge.merge(Json.MAPPER.valueToTree(deployment), plan.patch()),
            Deployment.class);
    FixPlan again = planner.plan(applied, all);
    assertThat(again.isEmpty())
        .as("planned again after %s: %s", plan.changes(), again.changes())
        .isTrue();
    assertThat(again.fixedRules()).isEmpty();
  }

  /**
   * Deployments as JSON that reads back (a malformed quantity does not: such input never reaches a
   * plan).
   */
  @Provide
  Arbitrary<String> deploymentsAsJson() {
    return deployments()
        .map(
            d -> {
              try {
                return Json.MAPPER.writeValueAsString(d);
              } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
              }
            })
        .filter(
            json -> {
              try {
                Json.MAPPER.readValue(json, Deployment.class);
                return true;
              } catch (java.io.IOException e) {
                return false;
              }
            });
  }

  @Property(tries = 2000)
  void shellParserNeverThrows(@ForAll("scripts") String script) {
    assertThat(ShellScript.parse(script).allCommands()).isNotNull();
  }

  @Provide
  Arbitrary<String> scripts() {
    return Arbitraries.oneOf(
        nasty(), nasty().list().ofMaxSize(12).map(parts -> String.join(" ", parts)));
  }

  @Property(tries = 1500)
  void secretValuesNeverAppearInFindings(
      @ForAll("secretValues") String secret, @ForAll("secretNames") String name) {
    Container c = new Container();
    c.setName("app");
    c.setImage("python:3.12-slim");
    c.setCommand(List.of("sh", "-c", "gunicorn app:app --workers " + secret));
    c.setEnv(
        List.of(
            new EnvVar(name, secret, null),
            new EnvVar("DATABASE_URL", "postgres://u:" + secret + "@db/x", null),
            new EnvVar("DEBUG", secret, null)));
    PodSpec spec = new PodSpec();
    spec.setContainers(List.of(c));
    Deployment d = new Deployment();
    d.setMetadata(new ObjectMeta());
    d.getMetadata().setName("api");
    d.setSpec(new DeploymentSpec());
    d.getSpec().setTemplate(new PodTemplateSpec(null, spec));
    WorkloadAudit audit = auditor.audit(WorkloadView.of(d), AuditPolicy.defaults());
    assertThat(audit.findings()).extracting(Finding::rule).contains("plaintext-secret-env");
    for (Finding f : audit.findings()) {
      assertThat(f.message()).doesNotContain(secret);
      assertThat(f.fix()).doesNotContain(secret);
    }
  }

  @Provide
  Arbitrary<String> secretValues() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .numeric()
        .ofMinLength(12)
        .ofMaxLength(40)
        .map(s -> "S3cr3t" + s);
  }

  @Provide
  Arbitrary<String> secretNames() {
    return Arbitraries.of(
        "DB_PASSWORD",
        "GITHUB_TOKEN",
        "my_password",
        "API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "stripe.secret",
        "OAUTH_CREDENTIALS");
  }
}
