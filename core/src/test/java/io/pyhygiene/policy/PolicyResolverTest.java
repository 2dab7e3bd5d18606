package io.pyhygiene.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.AuditPolicy;
import io.pyhygiene.engine.PolicyMode;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.rules.RuleCatalog;
import org.junit.jupiter.api.Test;

class PolicyResolverTest {

  private final PolicyResolver resolver = new PolicyResolver(RuleCatalog.all());

  private PolicyResolver.Result resolve(String specYaml) throws Exception {
    return resolver.resolve(
        "p", new YAMLMapper().readValue(specYaml, PythonHygienePolicySpec.class));
  }

  @Test
  void emptySpecMeansDefaults() throws Exception {
    PolicyResolver.Result r = resolve("{}");
    assertThat(r.valid()).isTrue();
    AuditPolicy p = r.policy();
    assertThat(p.name()).isEqualTo("p");
    assertThat(p.mode()).isEqualTo(PolicyMode.Audit);
    assertThat(p.labelOnly()).isFalse();
    assertThat(p.marginSeconds()).isEqualTo(5);
    assertThat(p.memoryPerWorkerBytes()).isEqualTo(128L << 20);
    assertThat(p.remediation().enabled()).isFalse();
  }

  @Test
  void everyParameterIsRead() throws Exception {
    PolicyResolver.Result r =
        resolve(
            """
        mode: Deny
        detection: LabelOnly
        rules: {grace-budget: {severity: warning}, alpine-python: {enabled: false}}
        shutdown: {marginSeconds: 2, preStopSeconds: 8}
        memory: {min: 64Mi, max: 2Gi, perWorker: 200Mi, default: 1Gi}
        runAsUser: 4242
        remediation: {enabled: true, rules: [run-as-root, prestop-missing], maxConcurrentRollouts: 3, dryRun: true}
        exemptions: [{namespace: legacy, rules: [run-as-root], reason: vendor image}]
        """);
    assertThat(r.errors()).isEmpty();
    AuditPolicy p = r.policy();
    assertThat(p.mode()).isEqualTo(PolicyMode.Deny);
    assertThat(p.labelOnly()).isTrue();
    assertThat(p.severity("grace-budget", Severity.ERROR)).isEqualTo(Severity.WARNING);
    assertThat(p.enabled("alpine-python")).isFalse();
    assertThat(p.marginSeconds()).isEqualTo(2);
    assertThat(p.preStopSeconds()).isEqualTo(8);
    assertThat(p.memoryMinBytes()).isEqualTo(64L << 20);
    assertThat(p.memoryMaxBytes()).isEqualTo(2L << 30);
    assertThat(p.memoryPerWorkerBytes()).isEqualTo(200L << 20);
    assertThat(p.memoryDefaultBytes()).isEqualTo(1L << 30);
    assertThat(p.runAsUser()).isEqualTo(4242);
    assertThat(p.remediation().rules()).containsExactlyInAnyOrder("run-as-root", "prestop-missing");
    assertThat(p.remediation().maxConcurrentRollouts()).isEqualTo(3);
    assertThat(p.remediation().dryRun()).isTrue();
    assertThat(p.exemptions())
        .singleElement()
        .satisfies(e -> assertThat(e.namespace()).isEqualTo("legacy"));
  }

  @Test
  void invalidSpecsNameTheField() throws Exception {
    PolicyResolver.Result r =
        resolve(
            """
        rules: {nope: {enabled: false}}
        shutdown: {marginSeconds: -1}
        memory: {min: 2Gi, max: 1Gi, perWorker: lots}
        remediation: {rules: [privileged, nope]}
        exemptions: [{rules: [], reason: ""}]
        selector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}
        namespaceSelector: {matchExpressions: [{key: team, operator: In}]}
        """);
    assertThat(r.valid()).isFalse();
    assertThat(r.errors())
        .contains(
            "spec.rules.nope: unknown rule id",
            "spec.shutdown.marginSeconds: must not be negative",
            "spec.memory.perWorker: 'lots' is not a memory quantity such as 512Mi",
            "spec.memory: min 2Gi is greater than max 1Gi",
            "spec.remediation.rules: privileged cannot be fixed automatically",
            "spec.remediation.rules: nope is not a rule id",
            "spec.exemptions[0].reason: required",
            "spec.exemptions[0].rules: at least one rule id is required",
            "spec.selector.matchExpressions[0].operator: 'Equals' is not one of In, NotIn, Exists,"
                + " DoesNotExist",
            "spec.namespaceSelector.matchExpressions[0].values: required for operator In");
  }

  @Test
  void labelKeysAndValuesTheApiServerWouldRejectMakeThePolicyInvalidWithoutEchoingThem()
      throws Exception {
    String huge = "v".repeat(70_000);
    PolicyResolver.Result r =
        resolve(
            """
        selector: {matchLabels: {app: %s, "example.com/tier": web, ok: ""}}
        namespaceSelector: {matchExpressions: [{key: "bad key", operator: In, values: ["-x"]}]}
        """
                .formatted(huge));
    assertThat(r.valid()).isFalse();
    assertThat(r.errors())
        .containsExactlyInAnyOrder(
            "spec.namespaceSelector.matchExpressions[0]: a key of 7 characters is not a valid label"
                + " key (an optional DNS prefix and '/', then at most 63 alphanumerics, '-', '_'"
                + " or '.')",
            "spec.namespaceSelector.matchExpressions[0]: a value of 2 characters is not a valid"
                + " label value (at most 63 alphanumerics, '-', '_' or '.', beginning and ending"
                + " with an alphanumeric)",
            "spec.selector.matchLabels: a value of 70000 characters is not a valid label value (at"
                + " most 63 alphanumerics, '-', '_' or '.', beginning and ending with an"
                + " alphanumeric)");
  }

  @Test
  void kindsAndImageResolutionAreRead() throws Exception {
    AuditPolicy p =
        resolve(
                """
        kinds: [Deployment, CronJob]
        images: {resolve: true, insecureRegistries: ["registry.internal:5000"], platform: linux/arm64}
        """)
            .policy();
    assertThat(p.kinds())
        .containsExactlyInAnyOrder(
            io.pyhygiene.workload.WorkloadKind.DEPLOYMENT,
            io.pyhygiene.workload.WorkloadKind.CRON_JOB);
    assertThat(p.images())
        .isEqualTo(
            new AuditPolicy.Images(
                true, java.util.List.of("registry.internal:5000"), "linux/arm64"));
    AuditPolicy d = resolve("{}").policy();
    assertThat(d.kinds()).isEqualTo(AuditPolicy.ALL_KINDS);
    assertThat(d.images().resolve()).isFalse();
  }

  @Test
  void aPolicyAuditsOnlyTheKindsItNames() throws Exception {
    AuditPolicy deploymentsOnly = resolve("kinds: [Deployment]").policy();
    var job =
        new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
            .withNewMetadata()
            .withName("migrate")
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("m")
            .withImage("python:3.12")
            .withCommand("python", "manage.py", "migrate")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    var view =
        io.pyhygiene.workload.WorkloadView.of(job, io.pyhygiene.workload.WorkloadContext.NONE)
            .orElseThrow();
    var auditor = new io.pyhygiene.engine.Auditor(RuleCatalog.all(), java.time.Clock.systemUTC());
    assertThat(auditor.audit(view, deploymentsOnly).python()).isFalse();
    assertThat(auditor.audit(view, AuditPolicy.defaults()).python()).isTrue();
  }
}
