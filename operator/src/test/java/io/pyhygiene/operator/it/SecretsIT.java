package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.testkit.PromText;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 4: a Deployment with secret literals in its env (a password by name, a DSN with a password)
 * leaves those values nowhere pyhygiene writes: not in labels, annotations, Events, the
 * PolicyReport, the policy status or /metrics, and not in the operator's logs.
 */
class SecretsIT extends WithOperator {

  static String random(String prefix) {
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    return prefix + HexFormat.of().formatHex(b);
  }

  @Test
  void secretLiteralsInEnvAppearNowherePyhygieneWrites() throws Exception {
    String password = random("pw-");
    String dsnPassword = random("dsn-");
    String ns = cluster.createNamespace();
    // remediation in dry-run too, so the preview annotation and its Event are written as well
    String policy =
        fx.applyPolicy(
                ns,
                "secrets",
                Map.of(
                    "remediation",
                    Map.of(
                        "enabled",
                        true,
                        "dryRun",
                        true,
                        "rules",
                        List.of("python-unbuffered", "run-as-root"))))
            .getMetadata()
            .getName();
    Deployment d = Fixtures.deployment("bad.yaml", ns, "billing");
    List<EnvVar> env =
        new ArrayList<>(d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv());
    env.add(new EnvVar("DB_PASSWORD", password, null));
    env.add(
        new EnvVar(
            "DATABASE_URL",
            "postgresql://billing:" + dsnPassword + "@db.internal:5432/billing",
            null));
    d.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(env);
    fx.apply(d);

    Deployment audited =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.get(ns, "billing"),
                x ->
                    Fixtures.auditedCurrentGeneration(x)
                        && Fixtures.annotations(x).containsKey(Fixtures.PREVIEW));
    // the finding fired, and the values really are in the cluster (so the searches can find them)
    assertThat(Fixtures.rules(audited)).contains("plaintext-secret-env");
    assertThat(Fixtures.JSON.writeValueAsString(audited)).contains(password, dsnPassword);
    var report =
        await()
            .atMost(OperatorHarness.TIMEOUT)
            .until(
                () -> fx.policyReport(ns),
                r ->
                    r != null
                        && Fixtures.JSON
                            .valueToTree(r)
                            .toString()
                            .contains("plaintext-secret-env"));
    String reportJson = Fixtures.JSON.writeValueAsString(report);
    assertThat(reportJson)
        .as("the report names the variables")
        .contains("DB_PASSWORD")
        .contains("DATABASE_URL");
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () -> fx.policy(policy),
            p -> p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().getMatched()));
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () ->
                !fx.events(ns, "billing", "VerdictChanged").isEmpty()
                    && !fx.events(ns, "billing", "RemediationPreview").isEmpty());
    await()
        .atMost(OperatorHarness.TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(
                        PromText.value(
                            op.scrape(),
                            "pyhygiene_violations",
                            Map.of("namespace", ns, "rule", "plaintext-secret-env")))
                    .isEqualTo(1.0));

    Map<String, String> places = new java.util.LinkedHashMap<>();
    Deployment now = fx.get(ns, "billing");
    places.put("Deployment labels", String.valueOf(Fixtures.labels(now)));
    places.put("Deployment annotations", String.valueOf(Fixtures.annotations(now)));
    places.put(
        "Events",
        Fixtures.JSON.writeValueAsString(
            cluster.client().v1().events().inNamespace(ns).list().getItems()));
    places.put("PolicyReport", Fixtures.JSON.writeValueAsString(fx.policyReport(ns)));
    places.put("policy status", Fixtures.JSON.writeValueAsString(fx.policy(policy)));
    places.put("/metrics", op.scrape());
    places.put("operator logs", String.join("\n", op.logLines()));
    assertThat(op.logLines()).as("log lines captured").isNotEmpty();
    for (Map.Entry<String, String> place : places.entrySet()) {
      for (String secret : List.of(password, dsnPassword)) {
        assertThat(place.getValue())
            .as("%s must not contain the secret value", place.getKey())
            .doesNotContain(secret);
      }
    }
  }
}
