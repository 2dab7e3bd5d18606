package io.pyhygiene.operator.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.audit.WorkloadId;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.workload.Ownership;
import io.pyhygiene.workload.WorkloadKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validating admission webhook: {@code POST /validate} with an {@code admission.k8s.io/v1}
 * AdmissionReview of any audited workload kind (fabric8's typed model, in and out), answered by
 * {@link AdmissionDecider}. Served by every replica (no leader needed), over TLS from files that
 * are reloaded when they change. Errors fail open: the request is allowed with a warning (the
 * webhook configuration also says {@code failurePolicy: Ignore}). Dry-run requests are answered the
 * same way: nothing here has side effects on the cluster.
 */
public final class AdmissionServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionServer.class);
  private static final String API_VERSION = "admission.k8s.io/v1";

  private final HttpsServer server;
  private final ExecutorService executor;
  private final AdmissionDecider decider;
  private final Set<String> excludedNamespaces;
  private final PyhygieneMetrics metrics;

  /**
   * A server on {@code port} (0 picks a free one), not started. For latency, the JDK's {@code
   * sun.net.httpserver.nodelay} must be set before the first server of the process is created; the
   * operator's composition root does that.
   */
  public AdmissionServer(
      int port,
      Path certFile,
      Path keyFile,
      AdmissionDecider decider,
      Set<String> excludedNamespaces,
      PyhygieneMetrics metrics)
      throws Exception {
    this.decider = decider;
    this.excludedNamespaces = excludedNamespaces;
    this.metrics = metrics;
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(new KeyManager[] {new ReloadingKeyManager(certFile, keyFile)}, null, null);
    this.server = HttpsServer.create(new InetSocketAddress(port), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/validate", this::handle);
    this.executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
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
      reply(ex, 405, error("POST an admission.k8s.io/v1 AdmissionReview"));
      return;
    }
    AdmissionReview review;
    try (InputStream in = ex.getRequestBody()) {
      review = Json.MAPPER.readValue(in, AdmissionReview.class);
    } catch (IOException e) {
      reply(ex, 400, error("not an AdmissionReview in JSON"));
      return;
    }
    AdmissionRequest request = review == null ? null : review.getRequest();
    if (request == null || request.getUid() == null) {
      reply(ex, 400, error("no request.uid: not an AdmissionReview"));
      return;
    }
    String operation = request.getOperation() == null ? "" : request.getOperation();
    AdmissionDecision decision;
    try {
      decision = decide(request, operation);
    } catch (RuntimeException e) {
      LOG.warn("could not evaluate an admission request, allowing it: {}", e.toString());
      decision =
          new AdmissionDecision(
              true,
              "",
              List.of(
                  "pyhygiene could not evaluate this"
                      + " workload (allowed): "
                      + e.getClass().getSimpleName()),
              Map.of(),
              "error");
    }
    AdmissionReview answer =
        new AdmissionReviewBuilder()
            .withApiVersion(review.getApiVersion() == null ? API_VERSION : review.getApiVersion())
            .withResponse(response(request.getUid(), decision))
            .build();
    reply(ex, 200, Json.MAPPER.writeValueAsBytes(answer));
    metrics.admission(
        operation.isEmpty() ? "UNKNOWN" : operation,
        decision.decision(),
        Duration.ofNanos(System.nanoTime() - start));
  }

  private AdmissionDecision decide(AdmissionRequest request, String operation) {
    Optional<WorkloadKind> kind = kind(request.getKind());
    String namespace = request.getNamespace() == null ? "" : request.getNamespace();
    if (kind.isEmpty()
        || !(operation.equals("CREATE") || operation.equals("UPDATE"))
        || excludedNamespaces.contains(namespace)
        || request.getObject() == null) {
      return AdmissionDecision.allow();
    }
    Class<? extends HasMetadata> type = WorkloadId.type(kind.get());
    HasMetadata object = typed(request.getObject(), type);
    HasMetadata old = request.getOldObject() == null ? null : typed(request.getOldObject(), type);
    if (object.getMetadata() != null && object.getMetadata().getNamespace() == null) {
      object.getMetadata().setNamespace(namespace); // CREATE without metadata.namespace
    }
    if (Ownership.auditedThroughOwner(object)) {
      return AdmissionDecision.allow(); // admitted through its owner (the chart skips these)
    }
    return decider.decide(operation, object, old);
  }

  /** The audited kind a request is about (group and kind; any version the API server sends). */
  static Optional<WorkloadKind> kind(GroupVersionKind gvk) {
    if (gvk == null) {
      return Optional.empty();
    }
    return WorkloadKind.of(gvk.getKind())
        .filter(k -> WorkloadId.group(k).equals(gvk.getGroup() == null ? "" : gvk.getGroup()));
  }

  /** The object as its model class: typed already when it names its apiVersion and kind. */
  private static HasMetadata typed(Object object, Class<? extends HasMetadata> type) {
    return type.isInstance(object) ? type.cast(object) : Json.MAPPER.convertValue(object, type);
  }

  private static AdmissionResponse response(String uid, AdmissionDecision d) {
    AdmissionResponseBuilder r =
        new AdmissionResponseBuilder().withUid(uid).withAllowed(d.allowed());
    if (!d.allowed()) {
      r.withStatus(
          new StatusBuilder()
              .withCode(403)
              .withReason("Forbidden")
              .withMessage(d.message())
              .build());
    }
    if (!d.warnings().isEmpty()) {
      r.withWarnings(d.warnings());
    }
    if (!d.auditAnnotations().isEmpty()) {
      r.withAuditAnnotations(d.auditAnnotations());
    }
    return r.build();
  }

  private static byte[] error(String message) {
    return Json.MAPPER
        .createObjectNode()
        .put("error", message)
        .toString()
        .getBytes(StandardCharsets.UTF_8);
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
