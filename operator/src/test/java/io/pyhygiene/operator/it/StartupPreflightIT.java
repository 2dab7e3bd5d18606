package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pyhygiene.operator.OperatorApp;
import io.pyhygiene.operator.config.OperatorSettings;
import io.pyhygiene.testkit.RealCluster;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An operator that cannot use the API server stops at start-up with one line saying what is wrong
 * and what to do, instead of an informer stack trace: unreachable server, rejected credentials,
 * missing rights (named resource by resource, with the identity the server saw). On the real API
 * server; the missing-CRD case is in ApiPreflightTest (deleting the CRD would disturb the other
 * suites sharing this cluster).
 */
class StartupPreflightIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();

  static final Map<String, String> ENV =
      Map.of("PYHYGIENE_HTTP_PORT", "0", "PYHYGIENE_WEBHOOK_ENABLED", "false");

  static void assertStartFails(Config config, String... parts) throws Exception {
    try (OperatorApp app = new OperatorApp(OperatorSettings.fromEnvironment(ENV), config)) {
      assertThatThrownBy(app::start)
          .isInstanceOf(IllegalStateException.class)
          .message()
          .contains(parts);
    }
  }

  Config tokenConfig(String token) {
    Config admin = cluster.client().getConfiguration();
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(admin.getMasterUrl())
        .withCaCertData(admin.getCaCertData())
        .withOauthToken(token)
        .withRequestRetryBackoffLimit(0)
        .build();
  }

  @Test
  void anUnreachableServerIsNamed() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("https://127.0.0.1:" + closedPort)
            .withRequestRetryBackoffLimit(0)
            .build();
    assertStartFails(config, "cannot reach the API server at https://127.0.0.1:" + closedPort);
  }

  @Test
  void rejectedCredentialsAreNamed() throws Exception {
    // The API server answers 401 and closes the HTTP/2 connection; the client sees the GOAWAY.
    assertStartFails(tokenConfig("not-a-token"), "credentials", "KUBECONFIG");
  }

  @Test
  void missingRightsNameTheResourceAndTheIdentity() throws Exception {
    KubernetesClient admin = cluster.client();
    OperatorHarness.applyCrds(admin); // so that, once allowed, the policies list answers
    String ns = cluster.createNamespace();
    admin
        .serviceAccounts()
        .inNamespace(ns)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("op").endMetadata().build())
        .create();
    String token =
        admin
            .serviceAccounts()
            .inNamespace(ns)
            .withName("op")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    String user = "system:serviceaccount:" + ns + ":op";

    assertStartFails(
        tokenConfig(token),
        "may not list pythonhygienepolicies",
        "403 Forbidden",
        user,
        "ClusterRole");

    // Allowed to list policies and namespaces, not Deployments: the next check names that.
    admin
        .rbac()
        .clusterRoles()
        .resource(
            cluster.deleteAfterTest(
                new ClusterRoleBuilder()
                    .withNewMetadata()
                    .withName(ns + "-partial")
                    .endMetadata()
                    .addToRules(
                        new PolicyRuleBuilder()
                            .withApiGroups("pyhygiene.io")
                            .withResources("pythonhygienepolicies")
                            .withVerbs("list")
                            .build())
                    .addToRules(
                        new PolicyRuleBuilder()
                            .withApiGroups("")
                            .withResources("namespaces")
                            .withVerbs("list")
                            .build())
                    .build()))
        .create();
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            cluster.deleteAfterTest(
                new ClusterRoleBindingBuilder()
                    .withNewMetadata()
                    .withName(ns + "-partial")
                    .endMetadata()
                    .withNewRoleRef()
                    .withApiGroup("rbac.authorization.k8s.io")
                    .withKind("ClusterRole")
                    .withName(ns + "-partial")
                    .endRoleRef()
                    .addNewSubject()
                    .withKind("ServiceAccount")
                    .withName("op")
                    .withNamespace(ns)
                    .endSubject()
                    .build()))
        .create();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertStartFails(
                    tokenConfig(token), "may not list deployments", "403 Forbidden", user));
  }
}
