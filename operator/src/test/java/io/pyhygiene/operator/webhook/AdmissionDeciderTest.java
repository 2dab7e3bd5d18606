package io.pyhygiene.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionDeciderTest {

  static final ObjectMapper YAML = Json.YAML;
  final AdmissionDecider decider =
      new AdmissionDecider(
          new WorkloadAuditor(
              new Auditor(
                  RuleCatalog.all(),
                  Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC)),
              List::of,
              ns -> Map.of()));

  static ActivePolicy policy(String mode) throws Exception {
    PythonHygienePolicySpec spec = YAML.readValue("mode: " + mode, PythonHygienePolicySpec.class);
    PolicyResolver.Result r = new PolicyResolver(RuleCatalog.all()).resolve("p-" + mode, spec);
    return new ActivePolicy("p-" + mode, 1, null, null, r.policy(), r.errors());
  }

  static Deployment deployment(String command, String annotations) throws Exception {
    return YAML.readValue(
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop, annotations: %s}
        spec:
          replicas: 2
          template:
            spec:
              containers:
                - name: web
                  image: python:3.12-slim
                  command: %s
        """
            .formatted(annotations, command),
        Deployment.class);
  }

  static final String BAD = "[sh, -c, 'gunicorn app:app']";

  @Test
  void auditAllowsAndAnnotates() throws Exception {
    AdmissionDecision d =
        decider.decide("CREATE", deployment(BAD, "{}"), null, List.of(policy("Audit")));
    assertThat(d.allowed()).isTrue();
    assertThat(d.warnings()).isEmpty();
    assertThat(d.auditAnnotations())
        .containsEntry("verdict", "fail")
        .containsEntry("mode", "Audit")
        .containsEntry("policy", "p-Audit");
    assertThat(d.auditAnnotations().get("rules")).startsWith("shell-wrapper,");
    assertThat(d.decision()).isEqualTo("allowed");
  }

  @Test
  void warnReturnsOneShortLinePerFindingRuleFirst() throws Exception {
    AdmissionDecision d =
        decider.decide("CREATE", deployment(BAD, "{}"), null, List.of(policy("Warn")));
    assertThat(d.allowed()).isTrue();
    assertThat(d.decision()).isEqualTo("warned");
    assertThat(d.warnings()).first().asString().startsWith("shell-wrapper (error) [web]: ");
    assertThat(d.warnings())
        .allSatisfy(w -> assertThat(w.length()).isLessThanOrEqualTo(AdmissionDecider.MAX_WARNING));
  }

  @Test
  void denyRejectsErrorsNamingRulesAndTheExemption() throws Exception {
    AdmissionDecision d =
        decider.decide(
            "CREATE", deployment(BAD, "{}"), null, List.of(policy("Deny"), policy("Audit")));
    assertThat(d.allowed()).isFalse();
    assertThat(d.decision()).isEqualTo("denied");
    assertThat(d.message())
        .contains("mode Deny")
        .contains("shell-wrapper [web]")
        .contains("pyhygiene.io/exempt: \"shell-wrapper,")
        .contains("pyhygiene.io/exempt-reason");
  }

  @Test
  void exemptedDeploymentIsAdmittedUnderDeny() throws Exception {
    Deployment exempted =
        deployment(
            "[gunicorn, app:app, --graceful-timeout, '10']",
            "{pyhygiene.io/exempt: 'run-as-root,privilege-escalation,memory-limit-missing,"
                + "image-tag-mutable', pyhygiene.io/exempt-reason: legacy base image}");
    AdmissionDecision d = decider.decide("CREATE", exempted, null, List.of(policy("Deny")));
    assertThat(d.allowed()).as(d.message()).isTrue();
  }

  @Test
  void updatesThatKeepThePodTemplateAreNeverDenied() throws Exception {
    Deployment old = deployment(BAD, "{}");
    Deployment scaled = deployment(BAD, "{pyhygiene.io/verdict-note: x}");
    scaled.getSpec().setReplicas(5);
    AdmissionDecision d = decider.decide("UPDATE", scaled, old, List.of(policy("Deny")));
    assertThat(d.allowed()).isTrue();
    assertThat(d.warnings()).isEmpty();
    assertThat(d.auditAnnotations()).containsEntry("verdict", "fail");
    AdmissionDecision changed =
        decider.decide(
            "UPDATE", deployment("[sh, -c, 'python app.py']", "{}"), old, List.of(policy("Deny")));
    assertThat(changed.allowed()).isFalse();
  }

  @Test
  void unselectedOrNotPythonIsAllowedSilently() throws Exception {
    assertThat(decider.decide("CREATE", deployment(BAD, "{}"), null, List.of()))
        .isEqualTo(AdmissionDecision.allow());
    Deployment go =
        YAML.readValue(
            """
        metadata: {name: go, labels: {pyhygiene.io/runtime: go}}
        spec: {template: {spec: {containers: [{name: a, image: python:3.12, command: [sh, -c, x]}]}}}
        """,
            Deployment.class);
    assertThat(decider.decide("CREATE", go, null, List.of(policy("Deny"))).allowed()).isTrue();
  }

  @Test
  void aCronJobIsDeniedByItsJobTemplateAndNamedByItsKind() throws Exception {
    CronJob nightly =
        YAML.readValue(
            """
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly, namespace: shop}
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers:
                    - name: batch
                      image: python:3.12-slim
                      command: [sh, -c, 'python -m app.nightly']
        """,
            CronJob.class);
    AdmissionDecision d = decider.decide("CREATE", nightly, null, List.of(policy("Deny")));
    assertThat(d.allowed()).isFalse();
    assertThat(d.message()).contains("rejects this CronJob: ").contains("shell-wrapper [batch]");
  }

  @Test
  void aStatefulSetUpdateThatKeepsItsTemplateIsNeverDenied() throws Exception {
    String yaml =
        """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: shop}
        spec:
          replicas: %d
          serviceName: db
          template:
            spec:
              containers:
                - name: worker
                  image: python:3.12-slim
                  command: [sh, -c, 'celery -A app worker']
        """;
    StatefulSet scaled = YAML.readValue(yaml.formatted(3), StatefulSet.class);
    StatefulSet before = YAML.readValue(yaml.formatted(1), StatefulSet.class);
    assertThat(decider.decide("UPDATE", scaled, before, List.of(policy("Deny"))).allowed())
        .isTrue();
    assertThat(decider.decide("CREATE", scaled, null, List.of(policy("Deny"))).allowed()).isFalse();
  }
}
