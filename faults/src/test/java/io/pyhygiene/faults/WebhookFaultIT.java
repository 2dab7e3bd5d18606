package io.pyhygiene.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pyhygiene.json.Json;
import io.pyhygiene.testkit.RealCluster;
import io.pyhygiene.testkit.Repository;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admission webhook unreachable, and slow (a listener that accepts connections and never
 * answers): with the chart's failurePolicy and timeoutSeconds (read from
 * helm/pyhygiene/values.yaml) a Deployment with error findings is still admitted, within the
 * timeout, also under a Deny policy. docs/policies.md: "The webhook fails open (failurePolicy:
 * Ignore, 3 s timeout)"; docs/operations.md: "An operator that is down never blocks a deploy". And
 * Deny mode's documented behaviour with the webhook up (an operator process serving it): error
 * findings reject a create and a template change, naming the rules and the exemption annotations;
 * an UPDATE that keeps the pod template (scaling) is never denied; the exemption annotations with a
 * reason admit it.
 */
class WebhookFaultIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  @RegisterExtension final Reliability report = new Reliability();

  @Test
  @Tag("fault-subset") // about 17 s on 2 cores: the subset's cluster case
  @Timeout(120)
  @DisplayName(
      "webhook unreachable or slow: a Deployment is admitted within the configured timeout (fail open)")
  void failsOpenWithinTheTimeout() throws Exception {
    JsonNode values = chartWebhookValues();
    String failurePolicy = values.path("failurePolicy").asText();
    int timeoutSeconds = values.path("timeoutSeconds").asInt();
    assertThat(failurePolicy).as("the chart's failurePolicy").isEqualTo("Ignore");
    assertThat(timeoutSeconds).as("the chart's timeoutSeconds").isBetween(1, 30);
    // Deny, the strictest mode: even then an unreachable or slow webhook blocks nothing.
    String ns = denyNamespace();
    String caBundle = caBundle();

    List<Long> unreachableMs = new ArrayList<>();
    List<Long> slowMs = new ArrayList<>();
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // closed again when this block ends: nothing listens there
    }
    try (BlackHole slow = new BlackHole()) {
      for (String mode : List.of("unreachable", "slow")) {
        int port = mode.equals("slow") ? slow.port() : closedPort;
        ValidatingWebhookConfiguration hook =
            cluster
                .client()
                .admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .resource(
                    webhook(ns + "-" + mode, ns, port, caBundle, failurePolicy, timeoutSeconds))
                .create();
        cluster.deleteAfterTest(hook);
        for (int i = 0; i < 3; i++) {
          long t0 = System.nanoTime();
          Deployment created =
              cluster
                  .client()
                  .apps()
                  .deployments()
                  .inNamespace(ns)
                  .resource(badDeployment(mode + "-" + i))
                  .create();
          long ms = (System.nanoTime() - t0) / 1_000_000;
          assertThat(created.getMetadata().getUid()).as("%s: admitted", mode).isNotBlank();
          (mode.equals("slow") ? slowMs : unreachableMs).add(ms);
        }
        cluster.client().resource(hook).delete();
      }
      assertThat(slow.accepted())
          .as("the API server really called the slow webhook")
          .isGreaterThan(0);
    }
    long bound = timeoutSeconds * 1000L + 2000;
    report
        .injected(
            "A ValidatingWebhookConfiguration as the chart renders it (failurePolicy "
                + failurePolicy
                + ", timeoutSeconds "
                + timeoutSeconds
                + ", CREATE/UPDATE of"
                + " Deployments) for one namespace selected by a Deny policy, pointing at (a) a"
                + " closed port, (b) a listener that accepts TCP and never answers; 3 Deployments"
                + " with error findings created in each case.")
        .observed(
            "Every Deployment was admitted (Deny blocks nothing while the webhook is down);"
                + " the slow webhook held each request until the timeout, the unreachable one"
                + " failed fast.")
        .figure("unreachable: create latency (ms)", unreachableMs)
        .figure("slow: create latency (ms)", slowMs)
        .figure("bound asserted", bound + " ms (timeout + 2 s)");
    assertThat(unreachableMs).allMatch(ms -> ms <= bound);
    assertThat(slowMs).allMatch(ms -> ms <= bound);
  }

  @Test
  @Timeout(240)
  @DisplayName(
      "Deny mode with the webhook up: error findings rejected, naming rules and exemption; scaling never denied")
  void denyModeHoldsWithTheWebhookUp() throws Exception {
    JsonNode values = chartWebhookValues();
    int timeoutSeconds = values.path("timeoutSeconds").asInt();
    var client = cluster.client();
    String ns = denyNamespace();
    // Created before the webhook is registered: a bad Deployment already running.
    client.apps().deployments().inNamespace(ns).resource(badDeployment("running")).create();
    int webhookPort;
    try (ServerSocket s = new ServerSocket(0)) {
      webhookPort = s.getLocalPort();
    }
    // The API server's serving certificate (SAN 127.0.0.1, signed by the cluster CA) serves as
    // the webhook's: the API server verifies it with the caBundle below.
    Map<String, String> env =
        Map.of(
            "PYHYGIENE_WEBHOOK_ENABLED", "true",
            "PYHYGIENE_WEBHOOK_PORT", Integer.toString(webhookPort),
            "PYHYGIENE_WEBHOOK_CERT_FILE",
                RealCluster.workDir().resolve("pki/apiserver.crt").toString(),
            "PYHYGIENE_WEBHOOK_KEY_FILE",
                RealCluster.workDir().resolve("pki/apiserver.key").toString());
    Map<String, String> outcomes = new LinkedHashMap<>();
    List<Long> decisionMs = new ArrayList<>();
    try (OperatorProcess op = OperatorProcess.start("webhook-deny", null, env)) {
      op.awaitReady(Duration.ofSeconds(90));
      ValidatingWebhookConfiguration hook =
          client
              .admissionRegistration()
              .v1()
              .validatingWebhookConfigurations()
              .resource(
                  webhook(
                      ns + "-deny",
                      ns,
                      webhookPort,
                      caBundle(),
                      values.path("failurePolicy").asText(),
                      timeoutSeconds))
              .create();
      cluster.deleteAfterTest(hook);

      // 1. A new Deployment with error findings is rejected, naming the rules and the
      // annotations that waive them. (The first request may reach the API server before its
      // webhook configuration is in effect: retried until the webhook answers.)
      String message =
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(500))
              .until(
                  () -> {
                    long t0 = System.nanoTime();
                    try {
                      client
                          .apps()
                          .deployments()
                          .inNamespace(ns)
                          .resource(badDeployment("denied"))
                          .create();
                      client.apps().deployments().inNamespace(ns).withName("denied").delete();
                      return null;
                    } catch (KubernetesClientException e) {
                      if (e.getCode() == 409) {
                        return null; // the admitted one of a try before is still being deleted
                      }
                      decisionMs.add((System.nanoTime() - t0) / 1_000_000);
                      return e.getCode() + " " + e.getStatus().getMessage();
                    }
                  },
                  m -> m != null);
      outcomes.put("create with error findings", message);
      assertThat(message)
          .as("the denial")
          .startsWith("403 ")
          .contains("mode Deny")
          .contains("privilege-escalation [app]")
          .contains("pyhygiene.io/exempt")
          .contains("pyhygiene.io/exempt-reason");

      // 2. Scaling the bad Deployment that already runs (an UPDATE keeping the template): allowed.
      long t0 = System.nanoTime();
      Deployment scaled =
          client
              .apps()
              .deployments()
              .inNamespace(ns)
              .withName("running")
              .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(2).endSpec().build());
      decisionMs.add((System.nanoTime() - t0) / 1_000_000);
      assertThat(scaled.getSpec().getReplicas()).isEqualTo(2);
      outcomes.put("update keeping the template (replicas 0 -> 2)", "admitted");

      // 3. Changing its template while the error findings remain: rejected. (The operator writes
      // its verdict to the same object meanwhile: a 409 conflict is retried on the latest copy.)
      t0 = System.nanoTime();
      String templateChange =
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> {
                    try {
                      client
                          .apps()
                          .deployments()
                          .inNamespace(ns)
                          .withName("running")
                          .edit(
                              d ->
                                  new DeploymentBuilder(d)
                                      .editSpec()
                                      .editTemplate()
                                      .editSpec()
                                      .editFirstContainer()
                                      .withImage("python:3.12")
                                      .endContainer()
                                      .endSpec()
                                      .endTemplate()
                                      .endSpec()
                                      .build());
                      return "admitted";
                    } catch (KubernetesClientException e) {
                      return e.getCode() == 409
                          ? null
                          : e.getCode() + " " + e.getStatus().getMessage();
                    }
                  },
                  m -> m != null);
      outcomes.put("template change keeping the error findings", templateChange);
      decisionMs.add((System.nanoTime() - t0) / 1_000_000);
      assertThat(outcomes.get("template change keeping the error findings"))
          .as("a template change with error findings")
          .startsWith("403 ")
          .contains("mode Deny");

      // 4. The same Deployment as (1), with the exemption annotations the denial names: admitted.
      String rules = message.substring(message.indexOf("pyhygiene.io/exempt: \"") + 22);
      rules = rules.substring(0, rules.indexOf('"'));
      Deployment exempt = badDeployment("exempted");
      exempt
          .getMetadata()
          .setAnnotations(
              Map.of("pyhygiene.io/exempt", rules, "pyhygiene.io/exempt-reason", "fault suite"));
      t0 = System.nanoTime();
      Deployment created = client.apps().deployments().inNamespace(ns).resource(exempt).create();
      decisionMs.add((System.nanoTime() - t0) / 1_000_000);
      assertThat(created.getMetadata().getUid()).isNotBlank();
      outcomes.put("create with the named exemptions and a reason", "admitted");
      assertThat(op.alive()).isTrue();
      client.resource(hook).delete();
    }
    report
        .injected(
            "An operator process serving the admission webhook (PYHYGIENE_WEBHOOK_ENABLED=true),"
                + " registered as the chart renders it for one namespace selected by a Deny"
                + " policy; a create with error findings, a replicas change and a template change"
                + " of a bad Deployment created before the policy, and a create carrying the"
                + " exemption annotations the denial names.")
        .observed(
            "The create and the template change were rejected (403) naming the rules and the"
                + " exemption annotations; the replicas change and the exempted create were"
                + " admitted.")
        .figure("outcomes", outcomes)
        .figure("request latency through the webhook (ms)", decisionMs);
    assertThat(decisionMs).allMatch(ms -> ms <= timeoutSeconds * 1000L);
  }

  private static JsonNode chartWebhookValues() throws IOException {
    return Json.YAML
        .readTree(
            Files.readString(
                Repository.root().resolve("helm/pyhygiene/values.yaml"), StandardCharsets.UTF_8))
        .path("webhook");
  }

  private static String caBundle() throws IOException {
    return Base64.getEncoder()
        .encodeToString(Files.readAllBytes(RealCluster.workDir().resolve("pki/ca.crt")));
  }

  /** The CRDs applied, a throwaway namespace and a Deny policy selecting it; returns it. */
  private static String denyNamespace() throws IOException {
    Cluster.applyCrds(cluster.client());
    String ns = cluster.createNamespace();
    GenericKubernetesResource deny =
        Cluster.policy(
            "faults-deny-" + ns,
            Map.of(
                "mode",
                "Deny",
                "namespaceSelector",
                Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", ns))));
    cluster.deleteAfterTest(
        cluster.client().genericKubernetesResources(Cluster.POLICIES).resource(deny).create());
    return ns;
  }

  private static ValidatingWebhookConfiguration webhook(
      String name, String ns, int port, String caBundle, String failurePolicy, int timeoutSeconds) {
    return new ValidatingWebhookConfigurationBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .addNewWebhook()
        .withName("workloads.pyhygiene.io")
        .withAdmissionReviewVersions("v1")
        .withSideEffects("None")
        .withFailurePolicy(failurePolicy)
        .withTimeoutSeconds(timeoutSeconds)
        .withMatchPolicy("Equivalent")
        .addNewRule()
        .withApiGroups("apps")
        .withApiVersions("v1")
        .withResources("deployments")
        .withOperations("CREATE", "UPDATE")
        .withScope("Namespaced")
        .endRule()
        .withNamespaceSelector(
            new LabelSelectorBuilder().addToMatchLabels("kubernetes.io/metadata.name", ns).build())
        .withNewClientConfig()
        .withUrl("https://127.0.0.1:" + port + "/validate")
        .withCaBundle(caBundle)
        .endClientConfig()
        .endWebhook()
        .build();
  }

  /**
   * Error findings (what Deny rejects): shell-wrapper, privilege-escalation, memory-limit-missing,
   * image-tag-mutable.
   */
  private static Deployment badDeployment(String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("python:latest")
        .withCommand("sh", "-c", "python app.py")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** Accepts connections and never reads or answers them. */
  private static final class BlackHole implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0);
    private final List<Socket> held = new ArrayList<>();
    private final Thread acceptor;

    BlackHole() throws IOException {
      acceptor =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket s = server.accept();
                    synchronized (held) {
                      held.add(s);
                    }
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "black-hole");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    int accepted() {
      synchronized (held) {
        return held.size();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (held) {
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }
}
