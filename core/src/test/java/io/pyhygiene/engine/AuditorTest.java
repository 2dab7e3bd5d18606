package io.pyhygiene.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.WorkloadView;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditorTest {

  private static final ObjectMapper YAML = new YAMLMapper();
  private final Auditor auditor =
      new Auditor(
          RuleCatalog.all(), Clock.fixed(Instant.parse("2026-11-25T00:00:00Z"), ZoneOffset.UTC));

  static WorkloadView deployment(String labels, String annotations, String container)
      throws Exception {
    String yaml =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          namespace: shop
          labels: %s
          annotations: %s
        spec:
          template:
            spec:
              containers:
                - %s
        """
            .formatted(labels, annotations, container);
    return WorkloadView.of(YAML.readValue(yaml, Deployment.class));
  }

  static final String BAD_PYTHON =
      "{name: app, image: python:3.12-slim, command: [sh, -c, 'python app.py']}";

  @Test
  void detectionAutoLabelOnlyAndOptOut() throws Exception {
    WorkloadView untagged = deployment("{}", "{}", BAD_PYTHON);
    assertThat(auditor.audit(untagged, AuditPolicy.defaults()).python()).isTrue();
    AuditPolicy labelOnly = withLabelOnly(AuditPolicy.defaults());
    WorkloadAudit skipped = auditor.audit(untagged, labelOnly);
    assertThat(skipped.python()).isFalse();
    assertThat(skipped.verdict()).isEqualTo(Verdict.SKIPPED);
    assertThat(skipped.findings()).isEmpty();

    WorkloadView tagged =
        deployment(
            "{pyhygiene.io/runtime: python}",
            "{}",
            "{name: app, image: ghcr.io/acme/api:1.0, command: [/srv/run]}");
    assertThat(auditor.audit(tagged, labelOnly).python()).isTrue();
    assertThat(auditor.audit(tagged, labelOnly).findings())
        .extracting(Finding::rule)
        .contains("python-unbuffered"); // tagged: Python rules apply although nothing looks Python

    WorkloadView optedOut = deployment("{pyhygiene.io/runtime: none}", "{}", BAD_PYTHON);
    assertThat(auditor.audit(optedOut, AuditPolicy.defaults()).verdict())
        .isEqualTo(Verdict.SKIPPED);

    WorkloadView go = deployment("{}", "{}", "{name: app, image: golang-api:1.0, command: [/app]}");
    assertThat(auditor.audit(go, AuditPolicy.defaults()).python()).isFalse();
  }

  @Test
  void verdictSeverityOverridesAndDisabledRules() throws Exception {
    WorkloadView w = deployment("{}", "{}", BAD_PYTHON);
    WorkloadAudit base = auditor.audit(w, AuditPolicy.defaults());
    assertThat(base.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(base.findings().get(0).severity()).isEqualTo(Severity.ERROR);
    assertThat(base.findings()).isSortedAccordingTo((a, b) -> a.severity().compareTo(b.severity()));

    AuditPolicy p =
        withRules(
            AuditPolicy.defaults(),
            Map.of(
                "shell-wrapper", new AuditPolicy.RuleOverride(null, Severity.INFO),
                "run-as-root", new AuditPolicy.RuleOverride(false, null)));
    WorkloadAudit overridden = auditor.audit(w, p);
    assertThat(overridden.findings())
        .filteredOn(f -> f.rule().equals("shell-wrapper"))
        .extracting(Finding::severity)
        .containsExactly(Severity.INFO);
    assertThat(overridden.findings()).extracting(Finding::rule).doesNotContain("run-as-root");
  }

  @Test
  void exemptionsByAnnotationAndByPolicy() throws Exception {
    WorkloadView annotated =
        deployment(
            "{}",
            "{pyhygiene.io/exempt: 'shell-wrapper, run-as-root', pyhygiene.io/exempt-reason: legacy}",
            BAD_PYTHON);
    WorkloadAudit a = auditor.audit(annotated, AuditPolicy.defaults());
    assertThat(a.findings())
        .extracting(Finding::rule)
        .doesNotContain("shell-wrapper", "run-as-root", "exemption-reason-missing");
    assertThat(a.exemptedRules()).containsExactly("run-as-root", "shell-wrapper");

    WorkloadView noReason =
        deployment("{}", "{pyhygiene.io/exempt: 'shell-wrapper,nope'}", BAD_PYTHON);
    assertThat(auditor.audit(noReason, AuditPolicy.defaults()).findings())
        .extracting(Finding::rule)
        .contains("exemption-reason-missing", "exemption-unknown-rule")
        .doesNotContain("shell-wrapper");

    WorkloadView plain = deployment("{team: payments}", "{}", BAD_PYTHON);
    AuditPolicy policy =
        withExemptions(
            AuditPolicy.defaults(),
            List.of(
                new AuditPolicy.Exemption(
                    "shop",
                    "ap*",
                    new LabelSelectorBuilder().withMatchLabels(Map.of("team", "payments")).build(),
                    Set.of("shell-wrapper"),
                    "why"),
                new AuditPolicy.Exemption("other", null, null, Set.of("run-as-root"), "why")));
    WorkloadAudit byPolicy = auditor.audit(plain, policy);
    assertThat(byPolicy.findings())
        .extracting(Finding::rule)
        .doesNotContain("shell-wrapper")
        .contains("run-as-root");
  }

  static AuditPolicy withLabelOnly(AuditPolicy p) {
    return new AuditPolicy(
        p.name(),
        p.mode(),
        true,
        p.rules(),
        p.marginSeconds(),
        p.preStopSeconds(),
        p.memoryMinBytes(),
        p.memoryMaxBytes(),
        p.memoryPerWorkerBytes(),
        p.memoryDefaultBytes(),
        p.runAsUser(),
        p.exemptions(),
        p.remediation());
  }

  static AuditPolicy withRules(AuditPolicy p, Map<String, AuditPolicy.RuleOverride> rules) {
    return new AuditPolicy(
        p.name(),
        p.mode(),
        p.labelOnly(),
        rules,
        p.marginSeconds(),
        p.preStopSeconds(),
        p.memoryMinBytes(),
        p.memoryMaxBytes(),
        p.memoryPerWorkerBytes(),
        p.memoryDefaultBytes(),
        p.runAsUser(),
        p.exemptions(),
        p.remediation());
  }

  static AuditPolicy withExemptions(AuditPolicy p, List<AuditPolicy.Exemption> exemptions) {
    return new AuditPolicy(
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
        exemptions,
        p.remediation());
  }
}
