package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.it.Fixtures.Finding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, policies: selector and namespaceSelector changes, detection Auto/LabelOnly and the
 * runtime opt-out, mode in status and printer columns, two policies on one Deployment, an invalid
 * policy reported in status, and the CRD schema/CEL rejecting bad specs.
 */
class PolicyLifecycleIT extends WithOperator {

  static Deployment awaitDeployment(String ns, String name, Predicate<Deployment> condition) {
    return await().atMost(OperatorHarness.TIMEOUT).until(() -> fx.get(ns, name), condition);
  }

  static Map<String, Object> inNamespace(String ns) {
    return Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", ns));
  }

  @Test
  void selectorAndNamespaceSelectorChangesAddAndRemovePyhygieneMetadata() {
    String ns = cluster.createNamespace();
    Deployment payments = Fixtures.deployment("bad.yaml", ns, "payments");
    payments.getMetadata().getLabels().put("team", "payments");
    fx.apply(payments);
    Deployment search = Fixtures.deployment("bad.yaml", ns, "search");
    search.getMetadata().getLabels().put("team", "search");
    fx.apply(search);

    fx.applyPolicy(
        ns, "team", Map.of("selector", Map.of("matchLabels", Map.of("team", "payments"))));
    awaitDeployment(ns, "payments", Fixtures::auditedCurrentGeneration);
    assertThat(Fixtures.hasNoPyhygieneMetadata(fx.get(ns, "search"))).isTrue();

    // the selector moves to the other team: pyhygiene's label and annotations leave "payments"
    fx.applyPolicy(ns, "team", Map.of("selector", Map.of("matchLabels", Map.of("team", "search"))));
    awaitDeployment(ns, "search", Fixtures::auditedCurrentGeneration);
    Deployment dropped = awaitDeployment(ns, "payments", Fixtures::hasNoPyhygieneMetadata);
    assertThat(Fixtures.labels(dropped)).containsEntry("team", "payments"); // the user's stay
    Fixtures.managedFields(dropped, "pyhygiene")
        .ifPresent(
            f ->
                assertThat(f.path("f:metadata").path("f:labels").has("f:" + Fixtures.VERDICT))
                    .as("pyhygiene owns no verdict label on a Deployment it no longer audits")
                    .isFalse());

    // the namespaceSelector stops matching: removed from "search" too
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("selector", Map.of("matchLabels", Map.of("team", "search")));
    spec.put(
        "namespaceSelector",
        Map.of(
            "matchLabels", Map.of("kubernetes.io/metadata.name", ns, "it.example/audited", "yes")));
    fx.applyPolicy(ns, "team", spec);
    awaitDeployment(ns, "search", Fixtures::hasNoPyhygieneMetadata);

    // ... and matches again once the namespace gets the label
    cluster
        .client()
        .namespaces()
        .withName(ns)
        .edit(
            n -> {
              n.getMetadata().getLabels().put("it.example/audited", "yes");
              return n;
            });
    Deployment back = awaitDeployment(ns, "search", Fixtures::auditedCurrentGeneration);
    assertThat(Fixtures.verdict(back)).isEqualTo("fail");
    assertThat(Fixtures.hasNoPyhygieneMetadata(fx.get(ns, "payments"))).isTrue();
  }

  @Test
  void detectionLabelOnlyVersusAutoAndTheRuntimeOptOut() {
    String ns = cluster.createNamespace();
    fx.apply(Fixtures.deployment("python-unlabelled.yaml", ns, "by-image"));
    fx.apply(Fixtures.deployment("good.yaml", ns, "labelled"));

    // LabelOnly: only the Deployment labelled pyhygiene.io/runtime=python
    fx.applyPolicy(ns, "detect", Map.of("detection", "LabelOnly"));
    awaitDeployment(ns, "labelled", Fixtures::auditedCurrentGeneration);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> Fixtures.hasNoPyhygieneMetadata(fx.get(ns, "by-image")));

    // Auto: the one that looks like Python (python image, python -m) as well
    fx.applyPolicy(ns, "detect", Map.of("detection", "Auto"));
    Deployment auto = awaitDeployment(ns, "by-image", Fixtures::auditedCurrentGeneration);
    assertThat(Fixtures.rules(auto)).contains("python-pid1", "run-as-root");

    // pyhygiene.io/runtime with another value opts out, even under Auto
    fx.label(ns, "by-image", "pyhygiene.io/runtime", "none");
    awaitDeployment(ns, "by-image", Fixtures::hasNoPyhygieneMetadata);
    fx.label(ns, "labelled", "pyhygiene.io/runtime", "none");
    awaitDeployment(ns, "labelled", Fixtures::hasNoPyhygieneMetadata);

    // and back to python: audited again
    fx.label(ns, "labelled", "pyhygiene.io/runtime", "python");
    awaitDeployment(ns, "labelled", d -> "pass".equals(Fixtures.verdict(d)));
  }

  @Test
  void modeChangeShowsInStatusAndPrinterColumns() throws Exception {
    String ns = cluster.createNamespace();
    fx.apply(Fixtures.deployment("bad.yaml", ns, "bad"));
    fx.apply(Fixtures.deployment("good.yaml", ns, "good"));
    String name = fx.applyPolicy(ns, "modes", Map.of("mode", "Audit")).getMetadata().getName();

    PythonHygienePolicy p =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.policy(name),
                x ->
                    x.getStatus() != null && Integer.valueOf(2).equals(x.getStatus().getMatched()));
    assertThat(p.getStatus().getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
    assertThat(p.getStatus().getPassing()).isEqualTo(1);
    assertThat(p.getStatus().getFailing()).isEqualTo(1);
    assertThat(p.getStatus().getWarning()).isZero();
    assertThat(p.getStatus().getViolations())
        .containsEntry("shell-wrapper", 1)
        .containsEntry("run-as-root", 1);
    assertThat(Fixtures.condition(p, "Ready"))
        .get()
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
            });
    assertThat(Fixtures.condition(p, "Invalid").map(Condition::getStatus)).contains("False");
    Map<String, Object> row =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(() -> printerRow(name), r -> "True".equals(r.get("Ready")));
    assertThat(row)
        .containsEntry("Mode", "Audit")
        .containsEntry("Matched", 2)
        .containsEntry("Pass", 1)
        .containsEntry("Warn", 0)
        .containsEntry("Fail", 1);

    // mode Warn: the new generation is observed, and kubectl get pyhp shows it
    fx.applyPolicy(ns, "modes", Map.of("mode", "Warn"));
    PythonHygienePolicy warn =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.policy(name),
                x ->
                    x.getStatus() != null
                        && x.getMetadata()
                            .getGeneration()
                            .equals(x.getStatus().getObservedGeneration()));
    assertThat(warn.getMetadata().getGeneration()).isEqualTo(2L);
    assertThat(Fixtures.condition(warn, "Ready"))
        .get()
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getObservedGeneration()).isEqualTo(2L);
            });
    assertThat(printerRow(name))
        .containsEntry("Mode", "Warn")
        .containsEntry("Matched", 2)
        .containsEntry("Ready", "True");
  }

  /**
   * The row {@code kubectl get pythonhygienepolicies NAME} prints: the API server renders the CRD's
   * additionalPrinterColumns as a meta.k8s.io Table, which is what kubectl asks for.
   */
  static Map<String, Object> printerRow(String name) throws Exception {
    var http = cluster.client().getHttpClient();
    String url =
        cluster.client().getConfiguration().getMasterUrl().replaceAll("/$", "")
            + "/apis/pyhygiene.io/v1alpha1/pythonhygienepolicies/"
            + name;
    HttpRequest request =
        http.newHttpRequestBuilder()
            .uri(url)
            .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .build();
    HttpResponse<String> response = http.sendAsync(request, String.class).get();
    assertThat(response.code()).as("GET %s as Table: %s", url, response.body()).isEqualTo(200);
    JsonNode table = Fixtures.JSON.readTree(response.body());
    assertThat(table.path("kind").asText()).isEqualTo("Table");
    List<String> columns = new ArrayList<>();
    table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
    assertThat(columns).contains("Name", "Mode", "Ready", "Matched", "Pass", "Warn", "Fail", "Age");
    JsonNode cells = table.path("rows").path(0).path("cells");
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      JsonNode cell = cells.path(i);
      row.put(
          columns.get(i),
          cell.isInt()
              ? (Object) cell.asInt()
              : cell.isNull() || cell.isMissingNode() ? null : cell.asText());
    }
    return row;
  }

  @Test
  void twoPoliciesOnOneDeploymentGiveTheUnionOfFindingsNamingBoth() {
    String ns = cluster.createNamespace();
    fx.apply(Fixtures.deployment("bad.yaml", ns, "web"));
    String a = ns + "-a";
    String b = ns + "-b";
    fx.applyPolicy(ns, "a", Map.of("rules", Map.of("writable-root-fs", Map.of("enabled", false))));
    fx.applyPolicy(
        ns,
        "b",
        Map.of(
            "rules",
            Map.of(
                "seccomp-unset",
                Map.of("enabled", false),
                "prestop-missing",
                Map.of("severity", "error"))));

    Deployment d =
        awaitDeployment(
            ns,
            "web",
            x ->
                Fixtures.auditedCurrentGeneration(x)
                    && (a + "," + b).equals(Fixtures.annotations(x).get(Fixtures.POLICY)));
    List<Finding> findings = Fixtures.findings(d);
    // only policy b audits writable-root-fs, only a seccomp-unset: both are in the union
    assertThat(findings)
        .contains(
            new Finding("writable-root-fs", "warning", "web", b),
            new Finding("seccomp-unset", "warning", "web", a),
            new Finding("shell-wrapper", "error", "web", a + "," + b),
            // one finding per (rule, container), at its most severe, naming both policies
            new Finding("prestop-missing", "error", "web", a + "," + b));
    assertThat(findings).filteredOn(f -> f.rule().equals("prestop-missing")).hasSize(1);
    assertThat(Fixtures.verdict(d)).isEqualTo("fail");

    // each policy's status counts the Deployment
    for (String p : List.of(a, b)) {
      await()
          .atMost(OperatorHarness.TIMEOUT)
          .until(
              () -> fx.policy(p),
              x -> x.getStatus() != null && Integer.valueOf(1).equals(x.getStatus().getMatched()));
    }
  }

  @Test
  void invalidPolicyIsReportedInStatusAndSelectsNothingUntilFixed() {
    String ns = cluster.createNamespace();
    fx.apply(Fixtures.deployment("bad.yaml", ns, "web"));
    // The CRD schema accepts any operator string; the policy resolver does not.
    Map<String, Object> invalid =
        Map.of(
            "selector",
            Map.of(
                "matchExpressions",
                List.of(Map.of("key", "app", "operator", "Equals", "values", List.of("web")))));
    String name = fx.applyPolicy(ns, "sel", invalid).getMetadata().getName();

    PythonHygienePolicy p =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.policy(name),
                x ->
                    Fixtures.condition(x, "Invalid")
                        .map(c -> "True".equals(c.getStatus()))
                        .orElse(false));
    Condition inv = Fixtures.condition(p, "Invalid").orElseThrow();
    assertThat(inv.getMessage())
        .contains("spec.selector.matchExpressions[0].operator")
        .contains("'Equals'");
    assertThat(inv.getReason()).isNotBlank();
    assertThat(inv.getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
    assertThat(Fixtures.condition(p, "Ready"))
        .get()
        .satisfies(
            c -> {
              assertThat(c.getStatus()).isEqualTo("False");
              assertThat(c.getMessage()).contains("spec.selector.matchExpressions[0].operator");
            });
    // an invalid policy selects nothing
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> Fixtures.hasNoPyhygieneMetadata(fx.get(ns, "web")));

    // fixed: valid again, Ready, and the Deployment is audited
    fx.applyPolicy(
        ns,
        "sel",
        Map.of(
            "selector",
            Map.of(
                "matchExpressions",
                List.of(Map.of("key", "app", "operator", "In", "values", List.of("web"))))));
    PythonHygienePolicy fixed =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.policy(name),
                x ->
                    Fixtures.condition(x, "Invalid")
                            .map(c -> "False".equals(c.getStatus()))
                            .orElse(false)
                        && Fixtures.condition(x, "Ready")
                            .map(c -> "True".equals(c.getStatus()))
                            .orElse(false));
    assertThat(fixed.getStatus().getObservedGeneration()).isEqualTo(2L);
    awaitDeployment(ns, "web", Fixtures::auditedCurrentGeneration);
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(() -> fx.policy(name), x -> Integer.valueOf(1).equals(x.getStatus().getMatched()));
  }

  @Test
  void crdSchemaAndCelRejectBadSpecsWith422() {
    String ns = cluster.createNamespace();
    String prefix = ns + "-reject-";
    record Case(String name, Map<String, Object> spec, String field, String text) {}
    List<Case> cases =
        List.of(
            new Case("mode", Map.of("mode", "Block"), "spec.mode", "Unsupported value: \"Block\""),
            new Case(
                "margin",
                Map.of("shutdown", Map.of("marginSeconds", -1)),
                "spec.shutdown.marginSeconds",
                "greater than or equal to 0"),
            new Case(
                "memory",
                Map.of("memory", Map.of("min", "2Gi", "max", "1Gi")),
                "spec.memory",
                "memory.min must not be greater than memory.max"),
            new Case(
                "rule",
                Map.of("rules", Map.of("no-such-rule", Map.of("enabled", false))),
                "spec.rules",
                "unknown rule id"));
    for (Case c : cases) {
      Map<String, Object> spec = new LinkedHashMap<>(c.spec());
      spec.put("namespaceSelector", inNamespace(ns));
      GenericKubernetesResource bad = Fixtures.policyObject(prefix + c.name(), spec);
      cluster.deleteAfterTest(bad);
      assertThatThrownBy(
              () ->
                  cluster
                      .client()
                      .genericKubernetesResources(Fixtures.POLICIES)
                      .resource(bad)
                      .create())
          .as("spec %s", c.spec())
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(422);
                assertThat(e.getStatus().getReason()).isEqualTo("Invalid");
                assertThat(e.getMessage()).contains(c.field()).contains(c.text());
              });
      assertThat(fx.policy(prefix + c.name())).isNull();
    }
  }
}
