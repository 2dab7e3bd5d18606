package io.pyhygiene.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.json.Json;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.ssa.ApplyMerge;
import io.pyhygiene.workload.WorkloadView;
import io.pyhygiene.workload.shell.ExecRewrite;
import io.pyhygiene.workload.shell.ShellScript;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FixPlannerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final List<String> ALL_FIXABLE =
      List.of(
          "shell-wrapper",
          "run-as-root",
          "privilege-escalation",
          "capabilities-not-dropped",
          "seccomp-unset",
          "memory-limit-missing",
          "prestop-missing",
          "python-unbuffered",
          "grace-budget");

  private final Auditor auditor =
      new Auditor(
          RuleCatalog.all(), Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));
  private final FixPlanner planner = new FixPlanner(auditor);

  static Deployment load(String name) throws Exception {
    try (InputStream in = FixPlannerTest.class.getResourceAsStream("/remediation/" + name)) {
      assertThat(in).as(name).isNotNull();
      return YAML.readValue(in, Deployment.class);
    }
  }

  static AuditPolicy policy(String... rules) {
    return policy(AuditPolicy.defaults(), rules);
  }

  static AuditPolicy policy(AuditPolicy d, String... rules) {
    return new AuditPolicy(
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
        new AuditPolicy.Remediation(true, Set.of(rules), 1, false));
  }

  /** The patch's {@code spec.template.spec}, as plain JSON numbers for comparison with YAML. */
  static JsonNode podSpec(FixPlan plan) throws Exception {
    return JSON.readTree(JSON.writeValueAsString(plan.patch()))
        .path("spec")
        .path("template")
        .path("spec");
  }

  static JsonNode yaml(String text) throws Exception {
    return YAML.readTree(text);
  }

  private List<String> rulesFiring(Deployment d, AuditPolicy p) {
    return auditor.audit(WorkloadView.of(d), p).findings().stream().map(Finding::rule).toList();
  }

  /** The Deployment as the API server would merge the patch onto it. */
  private Deployment applied(Deployment d, FixPlan plan) {
    ObjectNode live = JSON.valueToTree(d);
    return JSON.convertValue(ApplyMerge.merge(live, plan.patch()), Deployment.class);
  }

  /**
   * A container with no name and a privileged one named " " (jqwik's shrunk counterexample of
   * planningAgainAfterApplyingAPlanPlansNothing, seed 7204705512145206543): applying the plan must
   * leave nothing to plan.
   */
  @Test
  void anUnnamedContainerBesideAPrivilegedOneIsPlannedOnce() throws Exception {
    Deployment d =
        JSON.readValue(
            """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api",
             "labels":{"pyhygiene.io/runtime":"python"}},
             "spec":{"template":{"spec":{"containers":[{"resources":{}},
               {"name":" ","resources":{},"securityContext":{"privileged":true}}]}}}}
            """,
            Deployment.class);
    AuditPolicy all = policy(ALL_FIXABLE.toArray(String[]::new));
    FixPlan plan = planner.plan(d, all);
    Deployment applied =
        JSON.convertValue(
            ApplyMerge.merge(Json.MAPPER.valueToTree(d), plan.patch()), Deployment.class);
    FixPlan again = planner.plan(applied, all);
    assertThat(again.changes()).as("planned after %s", plan.changes()).isEmpty();
    // nothing addresses a container by name: an apply would replace the unnamed one
    assertThat(plan.changes()).allMatch(c -> c.startsWith("pod: "));
    assertThat(plan.notFixable().get("run-as-root")).contains("a container in the pod has no name");
  }

  @Test
  void everyFixableRuleInOnePatch() throws Exception {
    Deployment d = load("insecure.yaml");
    FixPlan plan = planner.plan(d, policy(ALL_FIXABLE.toArray(String[]::new)));

    JsonNode patch = JSON.readTree(JSON.writeValueAsString(plan.patch()));
    assertThat(patch)
        .isEqualTo(
            yaml(
                """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop-api, namespace: shop}
        spec:
          template:
            spec:
              securityContext:
                seccompProfile: {type: RuntimeDefault}
              terminationGracePeriodSeconds: 40
              containers:
                - name: app
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 10001
                    allowPrivilegeEscalation: false
                    capabilities: {drop: [ALL]}
                  resources: {limits: {memory: 512Mi}}
                  lifecycle: {preStop: {sleep: {seconds: 5}}}
                  env:
                    - {name: PYTHONUNBUFFERED, value: "1"}
                - name: metrics
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 10001
                    allowPrivilegeEscalation: false
                    capabilities: {drop: [ALL]}
                  resources: {limits: {memory: 512Mi}}
                  lifecycle: {preStop: {sleep: {seconds: 5}}}
        """));
    assertThat(plan.fixedRules())
        .containsExactly(
            "privilege-escalation",
            "run-as-root",
            "capabilities-not-dropped",
            "seccomp-unset",
            "memory-limit-missing",
            "grace-budget",
            "prestop-missing",
            "python-unbuffered");
    assertThat(plan.notFixable()).isEmpty();
    assertThat(plan.isEmpty()).isFalse();
    assertThat(plan.changes())
        .containsExactly(
            "container app: securityContext.allowPrivilegeEscalation=false",
            "container metrics: securityContext.allowPrivilegeEscalation=false",
            "container app: securityContext.runAsNonRoot=true",
            "container app: securityContext.runAsUser=10001",
            "container metrics: securityContext.runAsNonRoot=true",
            "container metrics: securityContext.runAsUser=10001",
            "container app: securityContext.capabilities.drop=[ALL]",
            "container metrics: securityContext.capabilities.drop=[ALL]",
            "pod: securityContext.seccompProfile.type=RuntimeDefault",
            "container app: resources.limits.memory=512Mi",
            "container metrics: resources.limits.memory=512Mi",
            "container app: lifecycle.preStop.sleep.seconds=5",
            "container metrics: lifecycle.preStop.sleep.seconds=5",
            "container app: env PYTHONUNBUFFERED=1",
            "pod: terminationGracePeriodSeconds=40 (was 30)");

    // The owner's capabilities.add and other fields survive the merge; the fixed rules are gone.
    Deployment after = applied(d, plan);
    assertThat(
            after
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getSecurityContext()
                .getCapabilities()
                .getAdd())
        .containsExactly("NET_BIND_SERVICE");
    assertThat(after.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).hasSize(4);
    assertThat(rulesFiring(after, AuditPolicy.defaults())).doesNotContainAnyElementsOf(ALL_FIXABLE);
  }

  static Stream<Arguments> oneRuleAtATime() {
    return Stream.of(
        Arguments.of(
            "run-as-root",
            "insecure.yaml",
            """
            containers:
              - {name: app, securityContext: {runAsNonRoot: true, runAsUser: 10001}}
              - {name: metrics, securityContext: {runAsNonRoot: true, runAsUser: 10001}}
            """),
        Arguments.of(
            "privilege-escalation",
            "insecure.yaml",
            """
            containers:
              - {name: app, securityContext: {allowPrivilegeEscalation: false}}
              - {name: metrics, securityContext: {allowPrivilegeEscalation: false}}
            """),
        Arguments.of(
            "capabilities-not-dropped",
            "insecure.yaml",
            """
            containers:
              - {name: app, securityContext: {capabilities: {drop: [ALL]}}}
              - {name: metrics, securityContext: {capabilities: {drop: [ALL]}}}
            """),
        Arguments.of(
            "seccomp-unset",
            "insecure.yaml",
            """
            securityContext: {seccompProfile: {type: RuntimeDefault}}
            """),
        // The app's own Unconfined is fixed where it is; the others inherit the pod's profile.
        Arguments.of(
            "seccomp-unset",
            "seccomp-mixed.yaml",
            """
            securityContext: {seccompProfile: {type: RuntimeDefault}}
            containers:
              - {name: app, securityContext: {seccompProfile: {type: RuntimeDefault}}}
            """),
        Arguments.of(
            "memory-limit-missing",
            "insecure.yaml",
            """
            containers:
              - {name: app, resources: {limits: {memory: 512Mi}}}
              - {name: metrics, resources: {limits: {memory: 512Mi}}}
            """),
        // A request above the default: the limit takes the request (a lower one is rejected).
        Arguments.of(
            "memory-limit-missing",
            "memory-request-large.yaml",
            """
            containers:
              - {name: worker, resources: {limits: {memory: 1Gi}}}
            """),
        // grace-budget already fires for app (30 < 0 + 30 + 5): a preStop does not create it.
        Arguments.of(
            "prestop-missing",
            "insecure.yaml",
            """
            containers:
              - {name: app, lifecycle: {preStop: {sleep: {seconds: 5}}}}
              - {name: metrics, lifecycle: {preStop: {sleep: {seconds: 5}}}}
            """),
        Arguments.of(
            "python-unbuffered",
            "insecure.yaml",
            """
            containers:
              - {name: app, env: [{name: PYTHONUNBUFFERED, value: "1"}]}
            """),
        // No preStop is added, so gunicorn's default drain 30 + margin 5.
        Arguments.of(
            "grace-budget",
            "insecure.yaml",
            """
            terminationGracePeriodSeconds: 35
            """));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource
  void oneRuleAtATime(String rule, String fixture, String expectedPodSpec) throws Exception {
    Deployment d = load(fixture);
    assertThat(rulesFiring(d, AuditPolicy.defaults())).contains(rule);
    FixPlan plan = planner.plan(d, policy(rule));
    assertThat(podSpec(plan)).isEqualTo(yaml(expectedPodSpec));
    assertThat(plan.fixedRules()).containsExactly(rule);
    assertThat(plan.notFixable()).isEmpty();
    assertThat(rulesFiring(applied(d, plan), AuditPolicy.defaults())).doesNotContain(rule);
  }

  @Test
  void graceBudgetCountsThePreStopThePatchAdds() throws Exception {
    // gunicorn's default drain 30, no preStop, grace 30, margin 5: with a 5 s preStop, 40.
    FixPlan plan = planner.plan(load("insecure.yaml"), policy("prestop-missing", "grace-budget"));
    assertThat(podSpec(plan).path("terminationGracePeriodSeconds").asLong()).isEqualTo(40);
    assertThat(plan.fixedRules()).containsExactly("grace-budget", "prestop-missing");

    AuditPolicy margin10 =
        new AuditPolicy(
            "",
            PolicyMode.Audit,
            false,
            Map.of(),
            10,
            7,
            null,
            null,
            AuditPolicy.DEFAULT_PER_WORKER_BYTES,
            AuditPolicy.DEFAULT_MEMORY_BYTES,
            10001,
            List.of(),
            AuditPolicy.Remediation.off());
    FixPlan custom =
        planner.plan(load("insecure.yaml"), policy(margin10, "prestop-missing", "grace-budget"));
    assertThat(podSpec(custom).path("terminationGracePeriodSeconds").asLong())
        .isEqualTo(7 + 30 + 10);
  }

  @Test
  void preStopThatWouldBreakTheGraceBudgetNeedsGraceBudgetRemediation() throws Exception {
    Deployment d = load("grace-fits-today.yaml");
    assertThat(rulesFiring(d, AuditPolicy.defaults())).doesNotContain("grace-budget");

    FixPlan alone = planner.plan(d, policy("prestop-missing"));
    assertThat(alone.isEmpty()).isTrue();
    assertThat(alone.fixedRules()).isEmpty();
    assertThat(alone.notFixable()).containsOnlyKeys("prestop-missing");
    assertThat(alone.notFixable().get("prestop-missing"))
        .isEqualTo(
            "container app: its fix would make grace-budget fire; remediate grace-budget" + " too");

    FixPlan both = planner.plan(d, policy("prestop-missing", "grace-budget"));
    assertThat(podSpec(both))
        .isEqualTo(
            yaml(
                """
        terminationGracePeriodSeconds: 40
        containers:
          - {name: app, lifecycle: {preStop: {sleep: {seconds: 5}}}}
        """));
    // grace-budget did not fire before: the patch keeps it passing rather than fixing it.
    assertThat(both.fixedRules()).containsExactly("prestop-missing");
    assertThat(both.changes()).contains("pod: terminationGracePeriodSeconds=40 (was 35)");
    assertThat(rulesFiring(applied(d, both), AuditPolicy.defaults()))
        .doesNotContain("grace-budget", "prestop-missing");
  }

  @Test
  void unboundedUvicornDrainIsNotFixable() throws Exception {
    Deployment d = load("uvicorn-unbounded.yaml");
    FixPlan plan = planner.plan(d, policy("prestop-missing", "grace-budget"));
    assertThat(plan.notFixable())
        .containsExactly(
            Map.entry(
                "grace-budget",
                "container app: uvicorn drain is unbounded: add --timeout-graceful-shutdown"));
    assertThat(plan.fixedRules()).containsExactly("prestop-missing");
    assertThat(podSpec(plan))
        .isEqualTo(
            yaml(
                """
        containers:
          - {name: app, lifecycle: {preStop: {sleep: {seconds: 5}}}}
        """));
  }

  static Stream<Arguments> shellScriptsThatGetExec() {
    return Stream.of(
        Arguments.of(
            "[sh, -c, 'cd /app && gunicorn app:app']",
            "[]",
            "command",
            "[sh, -c, 'cd /app && exec gunicorn app:app']"),
        Arguments.of(
            "[/bin/sh, -c, 'python manage.py migrate && gunicorn shop.wsgi -b :8000']",
            "[]",
            "command",
            "[/bin/sh, -c, 'python manage.py migrate && exec gunicorn shop.wsgi -b :8000']"),
        Arguments.of(
            "[sh, -c, 'set -e; python manage.py migrate --noinput; gunicorn app:app']",
            "[]",
            "command",
            "[sh, -c, 'set -e; python manage.py migrate --noinput; exec gunicorn app:app']"),
        Arguments.of(
            "[sh, -c, \"set -e\\npython manage.py check\\n\\n  gunicorn app:app\\n\"]",
            "[]",
            "command",
            "[sh, -c, \"set -e\\npython manage.py check\\n\\n  exec gunicorn app:app\\n\"]"),
        Arguments.of(
            "[sh, -c, 'false || true; gunicorn app:app # serve']",
            "[]",
            "command",
            "[sh, -c, 'false || true; exec gunicorn app:app # serve']"),
        // Quoted words and an assignment prefix: exec goes after the assignment (the shells
        // export it to the exec'd program) and before the quoted command name.
        Arguments.of(
            "[sh, -c, 'cd \"/srv/my app\" && FORWARDED_ALLOW_IPS=\"*\" \"gunicorn\""
                + " --bind \"0.0.0.0:8000\" ''app:create_app()''']",
            "[]",
            "command",
            "[sh, -c, 'cd \"/srv/my app\" && FORWARDED_ALLOW_IPS=\"*\" exec \"gunicorn\""
                + " --bind \"0.0.0.0:8000\" ''app:create_app()''']"),
        // The script in args, after command: [sh, -c].
        Arguments.of(
            "[sh, -c]",
            "['cd /app && gunicorn app:app']",
            "args",
            "['cd /app && exec gunicorn app:app']"),
        Arguments.of(
            "[/bin/sh]",
            "[-ec, 'cd /app && gunicorn app:app']",
            "args",
            "[-ec, 'cd /app && exec gunicorn app:app']"),
        Arguments.of(
            "[]",
            "[sh, -c, 'cd /app && uvicorn app.main:app --timeout-graceful-shutdown 20']",
            "args",
            "[sh, -c, 'cd /app && exec uvicorn app.main:app --timeout-graceful-shutdown 20']"),
        // bash execs a final command by itself, but not one with a redirection.
        Arguments.of(
            "[bash, -c, 'cd /app && gunicorn app:app 2>&1']",
            "[]",
            "command",
            "[bash, -c, 'cd /app && exec gunicorn app:app 2>&1']"),
        // Under an init the shell is not PID 1, but still dies without passing SIGTERM on.
        Arguments.of(
            "[tini, --, sh, -c, 'cd /app && gunicorn app:app']",
            "[]",
            "command",
            "[tini, --, sh, -c, 'cd /app && exec gunicorn app:app']"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource
  void shellScriptsThatGetExec(String command, String args, String field, String expected)
      throws Exception {
    Deployment d = withCommand(load("shell.yaml"), command, args);
    assertThat(rulesFiring(d, AuditPolicy.defaults())).contains("shell-wrapper");

    FixPlan plan = planner.plan(d, policy("shell-wrapper"));

    ObjectNode expectedContainer = JSON.createObjectNode().put("name", "app");
    expectedContainer.set(field, yaml(expected));
    assertThat(podSpec(plan))
        .isEqualTo(
            JSON.createObjectNode()
                .set("containers", JSON.createArrayNode().add(expectedContainer)));
    assertThat(plan.fixedRules()).containsExactly("shell-wrapper");
    assertThat(plan.notFixable()).isEmpty();
    assertThat(plan.changes())
        .containsExactly(
            "container app: " + field + ": exec before the final command of the" + " shell script");
    assertThat(rulesFiring(applied(d, plan), AuditPolicy.defaults()))
        .doesNotContain("shell-wrapper");
  }

  static Stream<Arguments> shellScriptsLeftToAPerson() {
    return Stream.of(
        Arguments.of(
            "cd /app && gunicorn app:app | tee /tmp/log",
            "script is not a simple chain: it has a pipeline (|)"),
        Arguments.of(
            "gunicorn app:app & sleep 1; wait",
            "script is not a simple chain: it runs a command in the background (&)"),
        Arguments.of(
            "trap 'kill $pid' TERM; cd /app && gunicorn app:app",
            "script is not a simple chain: it sets a trap"),
        Arguments.of(
            "(cd /app && gunicorn app:app)", "script is not a simple chain: it has a subshell"),
        Arguments.of(
            "{ cd /app; gunicorn app:app; }", "script is not a simple chain: it has a { } group"),
        Arguments.of(
            "if [ -n \"$MIGRATE\" ]; then python manage.py migrate; fi; gunicorn app:app",
            "script is not a simple chain: it has a compound command (if)"),
        Arguments.of(
            "! gunicorn app:app", "script is not a simple chain: it negates a command (!)"),
        Arguments.of("gunicorn app:app; echo stopped", "the app is not the script's final command"),
        Arguments.of("gunicorn app:app || sleep 5", "the app is not the script's final command"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void shellScriptsLeftToAPerson(String script, String reason) throws Exception {
    Deployment d = load("shell.yaml");
    d.getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setCommand(List.of("sh", "-c", script));
    assertThat(rulesFiring(d, AuditPolicy.defaults())).contains("shell-wrapper");

    FixPlan plan = planner.plan(d, policy("shell-wrapper"));

    assertThat(plan.isEmpty()).isTrue();
    assertThat(plan.fixedRules()).isEmpty();
    assertThat(plan.notFixable())
        .containsExactly(Map.entry("shell-wrapper", "container app: " + reason));
  }

  static Stream<Arguments> execInsertion() {
    return Stream.of(
        Arguments.of("gunicorn app:app", "exec gunicorn app:app"),
        Arguments.of(
            "cd /app \\\n  && gunicorn \\\n  app:app",
            "cd /app \\\n  && exec gunicorn \\\n  app:app"),
        // A here-document's body is data, not commands.
        Arguments.of(
            "cat <<EOF >/tmp/c\nbind = ':8000' && x | y\nEOF\ngunicorn -c /tmp/c app:app",
            "cat <<EOF >/tmp/c\nbind = ':8000' && x | y\nEOF\nexec gunicorn -c /tmp/c app:app"),
        Arguments.of(
            "export W=$(nproc); gunicorn -w \"$W\" app:app;  # done\n",
            "export W=$(nproc); exec gunicorn -w \"$W\" app:app;  # done\n"),
        Arguments.of(
            "A=1 B='x y' 2>&1 gunicorn app:app", "A=1 B='x y' 2>&1 exec gunicorn app:app"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void execInsertion(String script, String expected) {
    assertThat(rewrite(script).script()).isEqualTo(expected);
    assertThat(rewrite("exec gunicorn app:app").reason())
        .isEqualTo("its final command already uses exec");
    assertThat(rewrite("").reason()).isEqualTo("the script has no final command to exec");
  }

  private static ExecRewrite rewrite(String script) {
    return ExecRewrite.of(ShellScript.parse(script), script);
  }

  @Test
  void rulesOutsideRemediationRulesAreUntouched() throws Exception {
    Deployment d = load("insecure.yaml");
    FixPlan plan = planner.plan(d, policy("privilege-escalation"));
    assertThat(podSpec(plan))
        .isEqualTo(
            yaml(
                """
        containers:
          - {name: app, securityContext: {allowPrivilegeEscalation: false}}
          - {name: metrics, securityContext: {allowPrivilegeEscalation: false}}
        """));
    assertThat(plan.fixedRules()).containsExactly("privilege-escalation");

    assertThat(planner.plan(d, policy()).isEmpty()).isTrue();
  }

  @Test
  void exemptedAndDisabledRulesAreUntouched() throws Exception {
    FixPlan plan =
        planner.plan(load("exempted.yaml"), policy("run-as-root", "privilege-escalation"));
    assertThat(podSpec(plan))
        .isEqualTo(
            yaml(
                """
        containers:
          - {name: app, securityContext: {allowPrivilegeEscalation: false}}
        """));
    assertThat(plan.fixedRules()).containsExactly("privilege-escalation");
    assertThat(plan.notFixable()).isEmpty();

    AuditPolicy d = AuditPolicy.defaults();
    AuditPolicy disabled =
        new AuditPolicy(
            d.name(),
            d.mode(),
            d.labelOnly(),
            Map.of("privilege-escalation", new AuditPolicy.RuleOverride(false, null)),
            d.marginSeconds(),
            d.preStopSeconds(),
            d.memoryMinBytes(),
            d.memoryMaxBytes(),
            d.memoryPerWorkerBytes(),
            d.memoryDefaultBytes(),
            d.runAsUser(),
            d.exemptions(),
            d.remediation());
    FixPlan none = planner.plan(load("insecure.yaml"), policy(disabled, "privilege-escalation"));
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.fixedRules()).isEmpty();
    assertThat(none.notFixable()).isEmpty();
  }

  @Test
  void nothingToFix() throws Exception {
    FixPlan plan = planner.plan(load("clean.yaml"), policy(ALL_FIXABLE.toArray(String[]::new)));
    assertThat(plan.isEmpty()).isTrue();
    assertThat(plan.fixedRules()).isEmpty();
    assertThat(plan.notFixable()).isEmpty();
    assertThat(plan.changes()).isEmpty();
    assertThat(plan.patch())
        .isEqualTo(
            yaml(
                """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: shop-api, namespace: shop}
        """));
  }

  @Test
  void workloadsThatAreNotPythonServicesAreLeftAlone() throws Exception {
    Deployment d = load("insecure.yaml");
    d.getMetadata().setLabels(Map.of("pyhygiene.io/runtime", "none"));
    assertThat(planner.plan(d, policy(ALL_FIXABLE.toArray(String[]::new))).isEmpty()).isTrue();
  }

  @Test
  void deterministic() throws Exception {
    AuditPolicy all = policy(ALL_FIXABLE.toArray(String[]::new));
    String first = JSON.writeValueAsString(planner.plan(load("insecure.yaml"), all).patch());
    for (int i = 0; i < 3; i++) {
      FixPlanner fresh =
          new FixPlanner(
              new Auditor(
                  RuleCatalog.all(),
                  Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC)));
      assertThat(JSON.writeValueAsString(fresh.plan(load("insecure.yaml"), all).patch()))
          .isEqualTo(first);
    }
    assertThat(first)
        .startsWith(
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
                + "\"metadata\":{\"name\":\"shop-api\",\"namespace\":\"shop\"},\"spec\":{\"template\":"
                + "{\"spec\":{\"securityContext\":{\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},"
                + "\"terminationGracePeriodSeconds\":40,\"containers\":[{\"name\":\"app\",");
  }

  @Test
  void changesNeverCarryScriptsOrEnvValues() throws Exception {
    AuditPolicy all = policy(ALL_FIXABLE.toArray(String[]::new));
    for (String fixture : List.of("insecure.yaml", "shell.yaml")) {
      Deployment d = load(fixture);
      FixPlan plan = planner.plan(d, all);
      assertThat(plan.changes()).isNotEmpty();
      List<String> secrets = new ArrayList<>();
      d.getSpec()
          .getTemplate()
          .getSpec()
          .getContainers()
          .forEach(
              c -> {
                if (c.getEnv() != null) {
                  c.getEnv().forEach(e -> secrets.add(e.getValue()));
                }
                if (c.getCommand() != null) {
                  c.getCommand().stream().filter(a -> a.contains(" ")).forEach(secrets::add);
                }
              });
      secrets.add("exec gunicorn");
      secrets.add("cd /app");
      for (String line : plan.changes()) {
        for (String secret : secrets) {
          assertThat(line).as(fixture).doesNotContain(secret);
        }
      }
      assertThat(String.join("\n", plan.notFixable().values())).doesNotContain(secrets);
    }
  }

  @Test
  void privilegeEscalationCannotBeForbiddenWherePrivilegesAreGranted() throws Exception {
    FixPlan plan = planner.plan(load("privileged.yaml"), policy("privilege-escalation"));
    assertThat(podSpec(plan))
        .isEqualTo(
            yaml(
                """
        containers:
          - {name: sidecar, securityContext: {allowPrivilegeEscalation: false}}
        """));
    assertThat(plan.fixedRules()).isEmpty();
    assertThat(plan.notFixable())
        .containsExactly(
            Map.entry(
                "privilege-escalation",
                "container app: it is privileged, and Kubernetes rejects allowPrivilegeEscalation: false"
                    + " on a privileged container; container fuse: it adds CAP_SYS_ADMIN, and Kubernetes"
                    + " rejects allowPrivilegeEscalation: false with it"));
  }

  @Test
  void rulesWithoutAnAutomaticFixAreReported() throws Exception {
    FixPlan plan = planner.plan(load("insecure.yaml"), policy("writable-root-fs"));
    assertThat(plan.isEmpty()).isTrue();
    assertThat(plan.notFixable())
        .containsExactly(
            Map.entry("writable-root-fs", "pyhygiene has no automatic fix for this rule"));
  }

  @Test
  void aFixTheReAuditDoesNotConfirmIsNotClaimed() throws Exception {
    // A stand-in rule whose fix sets a field but whose check no patch can satisfy.
    Rule stubborn =
        new FixableRule() {
          @Override
          public RuleInfo info() {
            return new RuleInfo(
                "python-unbuffered", Severity.WARNING, Category.RUNTIME, "t", "w", "f.", "");
          }

          @Override
          public List<Finding> check(WorkloadView workload, RuleContext context) {
            return workload.containers().stream().map(c -> finding(c.name(), "always.")).toList();
          }

          @Override
          public void fix(List<Finding> findings, TemplateEdits edits) {
            findings.forEach(
                f ->
                    edits.setOnContainer(
                        f.container(),
                        "env",
                        List.of(java.util.Map.of("name", "PYTHONUNBUFFERED", "value", "1"))));
          }
        };
    FixPlanner withStubborn =
        new FixPlanner(
            new Auditor(
                List.of(stubborn),
                Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC)));
    FixPlan plan = withStubborn.plan(load("insecure.yaml"), policy("python-unbuffered"));
    assertThat(plan.fixedRules()).isEmpty();
    assertThat(plan.notFixable())
        .containsExactly(
            Map.entry(
                "python-unbuffered",
                "container app: the planned change did not clear the finding; container metrics: the"
                    + " planned change did not clear the finding"));
  }

  @Test
  void policyWithoutUsableParametersReportsWhy() throws Exception {
    AuditPolicy d = AuditPolicy.defaults();
    AuditPolicy zero =
        new AuditPolicy(
            d.name(),
            d.mode(),
            d.labelOnly(),
            d.rules(),
            d.marginSeconds(),
            0,
            d.memoryMinBytes(),
            d.memoryMaxBytes(),
            d.memoryPerWorkerBytes(),
            d.memoryDefaultBytes(),
            0,
            d.exemptions(),
            d.remediation());
    FixPlan plan =
        planner.plan(load("insecure.yaml"), policy(zero, "run-as-root", "prestop-missing"));
    assertThat(plan.isEmpty()).isTrue();
    assertThat(plan.notFixable()).containsOnlyKeys("run-as-root", "prestop-missing");
  }

  private static Deployment withCommand(Deployment d, String command, String args)
      throws Exception {
    var c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    c.setCommand(strings(command));
    c.setArgs(strings(args));
    return d;
  }

  private static List<String> strings(String yamlList) throws Exception {
    List<String> out = new ArrayList<>();
    ((ArrayNode) YAML.readTree(yamlList)).forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void planningOnWhatAPlanProducedPlansNothingEvenWhenAFindingStays() throws Exception {
    Deployment d = load("seccomp-unnamed.yaml");
    FixPlan plan = planner.plan(d, policy("seccomp-unset"));
    assertThat(plan.changes())
        .containsExactly("pod: securityContext.seccompProfile.type=RuntimeDefault");
    assertThat(plan.fixedRules()).as("the second container keeps Unconfined").isEmpty();
    assertThat(plan.notFixable()).containsKey("seccomp-unset");

    Deployment applied =
        Json.MAPPER.convertValue(
            io.pyhygiene.ssa.ApplyMerge.merge(Json.MAPPER.valueToTree(d), plan.patch()),
            Deployment.class);
    FixPlan again = planner.plan(applied, policy("seccomp-unset"));
    assertThat(again.isEmpty()).as("planned again: %s", again.changes()).isTrue();
    assertThat(again.notFixable()).containsKey("seccomp-unset");
  }
}
