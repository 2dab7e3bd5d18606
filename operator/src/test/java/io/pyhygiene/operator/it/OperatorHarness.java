package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.operator.OperatorApp;
import io.pyhygiene.operator.config.OperatorSettings;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.testkit.AuditLog;
import io.pyhygiene.testkit.PromText;
import io.pyhygiene.testkit.RealCluster;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * The operator, run in-process against the real local control plane, the way {@code pyhygiene.jar
 * run} runs it: {@link OperatorApp} with settings parsed from environment variables.
 *
 * <p>The operator authenticates as a ServiceAccount of its own (bound to cluster-admin, token from
 * the TokenRequest API) instead of the admin client certificate, so its requests in the API audit
 * log are told apart by user name as well as by its user agent {@code pyhygiene/<version>}: another
 * pyhygiene running against the same cluster (a smoke test, a demo) cannot be mistaken for it.
 *
 * <p>Its log events are captured (a {@link ListAppender} on the root logger, encoded with the same
 * logback {@link JsonEncoder} the operator's JSON-lines appender uses) for tests that search them.
 */
final class OperatorHarness implements AutoCloseable {

  static final String USER_AGENT_PREFIX = "pyhygiene/";
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final KubernetesClient admin;
  private final Map<String, String> env;
  private final String identityNamespace;
  private final ClusterRoleBinding binding;
  private final String username;
  private final Config operatorConfig;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private OperatorApp app;

  private OperatorHarness(KubernetesClient admin, Map<String, String> env) throws Exception {
    this.admin = admin;
    this.env = env;
    this.identityNamespace = "pyh-it-op-" + randomSuffix();
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(identityNamespace)
                .addToLabels("pyhygiene.io/test", "operator-identity")
                .endMetadata()
                .build())
        .create();
    admin
        .serviceAccounts()
        .inNamespace(identityNamespace)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("pyhygiene")
                .endMetadata()
                .build())
        .create();
    this.binding =
        admin
            .rbac()
            .clusterRoleBindings()
            .resource(
                new ClusterRoleBindingBuilder()
                    .withNewMetadata()
                    .withName(identityNamespace)
                    .endMetadata()
                    .withNewRoleRef()
                    .withApiGroup("rbac.authorization.k8s.io")
                    .withKind("ClusterRole")
                    .withName("cluster-admin")
                    .endRoleRef()
                    .addNewSubject()
                    .withKind("ServiceAccount")
                    .withName("pyhygiene")
                    .withNamespace(identityNamespace)
                    .endSubject()
                    .build())
            .create();
    this.username = "system:serviceaccount:" + identityNamespace + ":pyhygiene";
    TokenRequest token =
        admin
            .serviceAccounts()
            .inNamespace(identityNamespace)
            .withName("pyhygiene")
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(7200L)
                    .endSpec()
                    .build());
    Config adminConfig = admin.getConfiguration();
    this.operatorConfig =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(adminConfig.getMasterUrl())
            .withCaCertData(adminConfig.getCaCertData())
            .withOauthToken(token.getStatus().getToken())
            .build();
    logs.setName("it-capture");
    logs.start();
    root.addAppender(logs);
  }

  /**
   * Applies the CRDs, checks that no foreign policy would audit this suite's namespaces, and starts
   * an operator configured by {@code extraEnv} on top of test defaults.
   */
  static OperatorHarness start(KubernetesClient admin, Map<String, String> extraEnv)
      throws Exception {
    applyCrds(admin);
    requireNoForeignPolicySelectingTestNamespaces(admin);
    Map<String, String> env = new HashMap<>();
    env.put("PYHYGIENE_HTTP_PORT", "0");
    env.put("PYHYGIENE_WEBHOOK_ENABLED", "false");
    env.put("PYHYGIENE_REPORT_INTERVAL", "300ms");
    env.putAll(extraEnv);
    OperatorHarness h = new OperatorHarness(admin, Map.copyOf(env));
    try {
      h.startApp();
    } catch (Exception | Error e) {
      h.close();
      throw e;
    }
    return h;
  }

  private void startApp() throws Exception {
    app = new OperatorApp(OperatorSettings.fromEnvironment(env), operatorConfig);
    app.start();
  }

  /**
   * Stops the operator (finishing in-flight work) and starts a fresh one with the same settings.
   */
  void restart() throws Exception {
    app.close();
    app = null;
    startApp();
  }

  /** The operator's API user: its requests carry this name in the audit log. */
  String username() {
    return username;
  }

  int httpPort() {
    return app.httpPort();
  }

  // ------------------------------------------------------------------ HTTP

  record HttpAnswer(int status, String body) {}

  HttpAnswer get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort() + path))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new HttpAnswer(r.statusCode(), r.body());
  }

  String scrape() throws Exception {
    HttpAnswer a = get("/metrics");
    assertThat(a.status()).as("GET /metrics").isEqualTo(200);
    return a.body();
  }

  /** Deployment reconciles started so far (JOSDK's counter). */
  double deploymentReconciles() throws Exception {
    return PromText.value(
        scrape(), "operator_sdk_reconciliations_started_total", Map.of("kind", "Deployment"));
  }

  /** Whether no Deployment reconcile is queued or running (JOSDK's gauges). */
  boolean reconcilerIdle() throws Exception {
    String s = scrape();
    assertThat(PromText.has(s, "operator_sdk_reconciliations_executions_deployments", Map.of()))
        .as("JOSDK's executions gauge of the deployments controller")
        .isTrue();
    return PromText.value(s, "operator_sdk_reconciliations_executions_deployments", Map.of()) == 0
        && PromText.value(s, "operator_sdk_reconciliations_queue_size_deployments", Map.of()) == 0;
  }

  /**
   * Waits until no Deployment reconcile is queued or running, and then until a housekeeping and
   * publishing round has run from start to end: whatever those reconciles and that round would
   * write has been written. A condition to wait on before asserting that nothing (more) was
   * written, instead of a sleep.
   */
  void awaitSettled() throws Exception {
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(this::reconcilerIdle);
    awaitRound();
  }

  /** Waits for a housekeeping and publishing round that starts after this call to finish. */
  void awaitRound() {
    long rounds = app.finishedRounds();
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> app.finishedRounds() >= rounds + 2);
  }

  // ------------------------------------------------------------------ logs

  /** Every log event the JVM produced while the operator ran, as the JSON lines it printed. */
  List<String> logLines() {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(root.getLoggerContext());
    encoder.setWithFormattedMessage(true);
    encoder.start();
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(logs.list)) {
      StringBuilder line = new StringBuilder(new String(encoder.encode(e), StandardCharsets.UTF_8));
      // Also the raw pieces, in case an encoder setting would hide one.
      line.append(' ').append(e.getMessage());
      if (e.getArgumentArray() != null) {
        for (Object arg : e.getArgumentArray()) {
          line.append(' ').append(arg);
        }
      }
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        line.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
      }
      out.add(line.toString());
    }
    return out;
  }

  // ------------------------------------------------------------------ cluster set-up

  /** Server-side applies the policy CRD and the optional PolicyReport CRD (forced). */
  static void applyCrds(KubernetesClient admin) throws Exception {
    Path root = RealCluster.repoRoot();
    List<HasMetadata> items = new ArrayList<>();
    for (String file :
        List.of(
            "crds/pythonhygienepolicies.pyhygiene.io-v1.yml",
            "crds/optional/wgpolicyk8s.io_policyreports.yaml")) {
      try (InputStream in = Files.newInputStream(root.resolve(file))) {
        items.addAll(admin.load(in).items());
      }
    }
    for (HasMetadata item : items) {
      admin.resource(item).fieldManager("pyhygiene-crds").forceConflicts().serverSideApply();
    }
    for (HasMetadata item : items) {
      await()
          .atMost(TIMEOUT)
          .until(
              () -> {
                CustomResourceDefinition crd =
                    admin
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName(item.getMetadata().getName())
                        .get();
                return crd != null
                    && crd.getStatus() != null
                    && crd.getStatus().getConditions().stream()
                        .anyMatch(
                            c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
              });
    }
  }

  /**
   * PythonHygienePolicy is cluster-scoped: a policy someone else left in the cluster that selects
   * every namespace (a demo's {@code default}) would audit this suite's Deployments too, and the
   * exact expectations below (which policy, which findings, label removed when deselected) would no
   * longer hold. That is a precondition the suite cannot establish itself without deleting someone
   * else's object, so it fails, naming the policy.
   */
  static void requireNoForeignPolicySelectingTestNamespaces(KubernetesClient admin) {
    PolicyResolver resolver = new PolicyResolver(RuleCatalog.all());
    Map<String, String> testNamespace =
        Map.of("kubernetes.io/metadata.name", "it-probe", "pyhygiene.io/test", "true");
    Map<String, String> testDeployment = Map.of("app", "probe", "pyhygiene.io/runtime", "python");
    // Right after a CRD is Established its storage may still answer 429 "(re)initializing".
    List<PythonHygienePolicy> all =
        await()
            .atMost(TIMEOUT)
            .ignoreExceptionsMatching(
                e ->
                    e instanceof KubernetesClientException k
                        && (k.getCode() == 429 || k.getCode() == 404 || k.getCode() == 503))
            .until(() -> admin.resources(PythonHygienePolicy.class).list().getItems(), l -> true);
    List<String> foreign =
        all.stream()
            .filter(p -> ActivePolicy.of(p, resolver).selects(testNamespace, testDeployment))
            .map(p -> p.getMetadata().getName())
            .sorted()
            .collect(Collectors.toList());
    assertThat(foreign)
        .as(
            "PythonHygienePolicies in the cluster that would also audit the integration tests'"
                + " namespaces (they select every namespace); the suite needs them gone:"
                + " kubectl delete pythonhygienepolicies %s",
            String.join(" ", foreign))
        .isEmpty();
  }

  static String randomSuffix() {
    return Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36)
        .substring(0, 6)
        .toLowerCase(Locale.ROOT);
  }

  @Override
  public void close() {
    try {
      if (app != null) {
        app.close();
        app = null;
      }
    } finally {
      root.detachAppender(logs);
      logs.stop();
      admin.resource(binding).delete();
      admin.namespaces().withName(identityNamespace).delete();
    }
  }

  /** Write requests this operator made since the mark (from the API server's audit log). */
  List<AuditLog.Request> writesSince(AuditLog.Mark mark) throws java.io.IOException {
    return AuditLog.writesSince(mark, USER_AGENT_PREFIX, username());
  }

  /** Write requests this operator made between two marks. */
  List<AuditLog.Request> writesBetween(AuditLog.Mark from, AuditLog.Mark to)
      throws java.io.IOException {
    return AuditLog.writesBetween(from, to, USER_AGENT_PREFIX, username());
  }
}
