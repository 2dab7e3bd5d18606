package io.pyhygiene.operator.webhook;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.policy.ActivePolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validating admission webhook: {@code POST /validate} with an {@code admission.k8s.io/v1}
 * AdmissionReview of an apps/v1 Deployment, answered by {@link AdmissionDecider}. Served by
 * every replica (no leader needed), over TLS from files that are reloaded when they change.
 * Errors fail open: the request is allowed with a warning (the webhook configuration also says
 * {@code failurePolicy: Ignore}). Dry-run requests are answered the same way: nothing here has
 * side effects on the cluster.
 */
public final class AdmissionServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionServer.class);
  private static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final HttpsServer server;
  private final ExecutorService executor;
  private final AdmissionDecider decider;
  private final Function<String, Map<String, String>> namespaceLabels;
  private final Supplier<List<ActivePolicy>> policies;
  private final Set<String> excludedNamespaces;
  private final PyhygieneMetrics metrics;

  public AdmissionServer(int port, Path certFile, Path keyFile, AdmissionDecider decider,
      Function<String, Map<String, String>> namespaceLabels,
      Supplier<List<ActivePolicy>> policies, Set<String> excludedNamespaces,
      PyhygieneMetrics metrics) throws Exception {
    this.decider = decider;
    this.namespaceLabels = namespaceLabels;
    this.policies = policies;
    this.excludedNamespaces = excludedNamespaces;
    this.metrics = metrics;
    // The JDK server writes headers and body separately: without TCP_NODELAY, Nagle's algorithm
    // and the client's delayed ACK add ~40 ms to every response. Read once, when the first
    // server is created.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(new KeyManager[] {new ReloadingKeyManager(certFile, keyFile)}, null, null);
    this.server = HttpsServer.create(new InetSocketAddress(port), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/validate", this::handle);
    this.executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "pyhygiene-webhook");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    long start = System.nanoTime();
    if (!"POST".equals(ex.getRequestMethod())) {
      reply(ex, 405, "{\"error\":\"POST an admission.k8s.io/v1 AdmissionReview\"}".getBytes());
      return;
    }
    JsonNode review;
    try (InputStream in = ex.getRequestBody()) {
      review = JSON.readTree(in);
    } catch (IOException e) {
      reply(ex, 400, "{\"error\":\"not JSON\"}".getBytes());
      return;
    }
    JsonNode request = review == null ? null : review.get("request");
    if (request == null || !request.hasNonNull("uid")) {
      reply(ex, 400, "{\"error\":\"no request.uid: not an AdmissionReview\"}".getBytes());
      return;
    }
    String operation = request.path("operation").asText("");
    AdmissionDecision decision;
    try {
      decision = decide(request, operation);
    } catch (RuntimeException e) {
      LOG.warn("could not evaluate an admission request, allowing it: {}", e.toString());
      decision = new AdmissionDecision(true, "", List.of("pyhygiene could not evaluate this"
          + " Deployment (allowed): " + e.getClass().getSimpleName()), Map.of(), "error");
    }
    byte[] body = JSON.writeValueAsBytes(response(review, request.get("uid").asText(), decision));
    reply(ex, 200, body);
    metrics.admission(operation.isEmpty() ? "UNKNOWN" : operation, decision.decision(),
        Duration.ofNanos(System.nanoTime() - start));
  }

  private AdmissionDecision decide(JsonNode request, String operation) {
    JsonNode kind = request.path("kind");
    boolean deployment = "apps".equals(kind.path("group").asText())
        && "Deployment".equals(kind.path("kind").asText());
    String namespace = request.path("namespace").asText("");
    if (!deployment || !(operation.equals("CREATE") || operation.equals("UPDATE"))
        || excludedNamespaces.contains(namespace) || !request.path("object").isObject()) {
      return AdmissionDecision.allow();
    }
    Deployment object = JSON.convertValue(request.get("object"), Deployment.class);
    Deployment old = request.path("oldObject").isObject()
        ? JSON.convertValue(request.get("oldObject"), Deployment.class) : null;
    if (object.getMetadata() != null && object.getMetadata().getNamespace() == null) {
      object.getMetadata().setNamespace(namespace);
    }
    Map<String, String> nsLabels = namespaceLabels.apply(namespace);
    Map<String, String> labels = object.getMetadata() == null ? Map.of()
        : object.getMetadata().getLabels();
    List<ActivePolicy> selecting = policies.get().stream()
        .filter(p -> p.selects(nsLabels, labels)).toList();
    return decider.decide(operation, object, old, selecting);
  }

  private static ObjectNode response(JsonNode review, String uid, AdmissionDecision d) {
    ObjectNode out = JSON.createObjectNode();
    out.put("apiVersion", review.path("apiVersion").asText("admission.k8s.io/v1"));
    out.put("kind", "AdmissionReview");
    ObjectNode r = out.putObject("response");
    r.put("uid", uid);
    r.put("allowed", d.allowed());
    if (!d.allowed()) {
      ObjectNode status = r.putObject("status");
      status.put("code", 403);
      status.put("reason", "Forbidden");
      status.put("message", d.message());
    }
    if (!d.warnings().isEmpty()) {
      ArrayNode w = r.putArray("warnings");
      d.warnings().forEach(w::add);
    }
    if (!d.auditAnnotations().isEmpty()) {
      ObjectNode a = r.putObject("auditAnnotations");
      d.auditAnnotations().forEach(a::put);
    }
    return out;
  }

  private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(1);
    executor.shutdownNow();
  }
}
