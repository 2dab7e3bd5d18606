package io.pyhygiene.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the node tests do to a Deployment and what they read back: the kubelet's record of a pod's
 * termination (from a watch, so the terminated state is caught before the pod is gone), a request
 * in flight straight to the old pod's IP, and pyhygiene's verdicts as the chart-installed operator
 * publishes them (the {@code pyhygiene.io/findings} annotation, the namespace's PolicyReport, and
 * its counters as the e2e Prometheus scraped them).
 */
final class NodeLab {

  static final Duration WAIT = Duration.ofSeconds(Long.getLong("pyhygiene.node.waitSeconds", 120));
  static final String REGISTRY = "localhost:" + env("PYHYGIENE_REGISTRY_PORT", "5000");
  // Pinned by digest, as a hardened Deployment would be: make images pushes them under the
  // floating tag dev, which image-tag-mutable rightly reports.
  static final String GUNICORN_IMAGE = pinned(REGISTRY, "examples/gunicorn-app", "dev");
  static final String UVICORN_IMAGE = pinned(REGISTRY, "examples/uvicorn-app", "dev");
  static final String PROMETHEUS = "http://127.0.0.1:" + env("PYHYGIENE_PROM_PORT", "16490");
  static final String OPERATOR_NAMESPACE = "pyhygiene-system";
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private final KubernetesClient client;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  NodeLab(KubernetesClient client) {
    this.client = client;
  }

  /** REGISTRY/REPOSITORY@DIGEST of the tag, asked from the registry (the node's pulls use it). */
  static String pinned(String registry, String repository, String tag) {
    HttpRequest head =
        HttpRequest.newBuilder(
                URI.create("http://" + registry + "/v2/" + repository + "/manifests/" + tag))
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header(
                "Accept",
                String.join(
                    ",",
                    "application/vnd.oci.image.index.v1+json",
                    "application/vnd.oci.image.manifest.v1+json",
                    "application/vnd.docker.distribution.manifest.list.v2+json",
                    "application/vnd.docker.distribution.manifest.v2+json"))
            .timeout(Duration.ofSeconds(10))
            .build();
    try {
      HttpResponse<Void> r =
          HttpClient.newHttpClient().send(head, HttpResponse.BodyHandlers.discarding());
      Optional<String> digest = r.headers().firstValue("Docker-Content-Digest");
      if (r.statusCode() != 200 || digest.isEmpty()) {
        throw new IllegalStateException(
            registry
                + "/"
                + repository
                + ":"
                + tag
                + ": HTTP "
                + r.statusCode()
                + " from the registry (run make images)");
      }
      return registry + "/" + repository + "@" + digest.get();
    } catch (IOException e) {
      throw new IllegalStateException("registry " + registry + " not reachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  // ------------------------------------------------------------------ preconditions

  /** The chart-installed operator runs with both replicas Ready ({@code make install}). */
  void requireInstalledOperator() {
    Deployment op =
        client.apps().deployments().inNamespace(OPERATOR_NAMESPACE).withName("pyhygiene").get();
    assertThat(op).as("Deployment %s/pyhygiene (make install)", OPERATOR_NAMESPACE).isNotNull();
    assertThat(op.getStatus().getReadyReplicas())
        .as("ready operator replicas (make install)")
        .isEqualTo(2);
  }

  // ------------------------------------------------------------------ Deployments

  /** A one-replica Deployment of one container {@code app} on port 8000, ready by TCP probe. */
  static Deployment deployment(String ns, String name, String image, Consumer<PodSpec> customize) {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .addToLabels("app", name)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewSelector()
            .addToMatchLabels("app", name)
            .endSelector()
            .withNewStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate()
            .withMaxSurge(new IntOrString(1))
            .withMaxUnavailable(new IntOrString(0))
            .endRollingUpdate()
            .endStrategy()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", name)
            .endMetadata()
            .withNewSpec()
            // the node's taint (e2e/README.md): only what means to run on it does
            .addNewToleration()
            .withKey("pyhygiene.io/e2e-node")
            .withOperator("Exists")
            .withEffect("NoSchedule")
            .endToleration()
            .addNewContainer()
            .withName("app")
            .withImage(image)
            .withImagePullPolicy("IfNotPresent")
            .addNewPort()
            .withName("http")
            .withContainerPort(8000)
            .endPort()
            .withNewReadinessProbe()
            .withNewTcpSocket()
            .withPort(new IntOrString(8000))
            .endTcpSocket()
            .withPeriodSeconds(1)
            .withFailureThreshold(2)
            .endReadinessProbe()
            .addNewEnv()
            .withName("ROLLOUT")
            .withValue("0")
            .endEnv()
            .withNewResources()
            .addToRequests("memory", new Quantity("128Mi"))
            .addToLimits("memory", new Quantity("256Mi"))
            .endResources()
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    customize.accept(d.getSpec().getTemplate().getSpec());
    return d;
  }

  static Container app(PodSpec spec) {
    return spec.getContainers().get(0);
  }

  Deployment apply(Deployment d) {
    return client.resource(d).forceConflicts().fieldManager("node-e2e").serverSideApply();
  }

  Deployment create(Deployment d) {
    return client.resource(d).create();
  }

  Deployment get(String ns, String name) {
    return client.apps().deployments().inNamespace(ns).withName(name).get();
  }

  /** The Deployment's single Ready pod of its current template (rollout complete). */
  Pod readyPod(String ns, String name) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              Deployment d = get(ns, name);
              if (d == null
                  || d.getStatus() == null
                  || d.getStatus().getObservedGeneration() == null
                  || d.getStatus().getObservedGeneration() < d.getMetadata().getGeneration()
                  || !Integer.valueOf(1).equals(d.getStatus().getUpdatedReplicas())
                  || !Integer.valueOf(1).equals(d.getStatus().getReadyReplicas())
                  || !Integer.valueOf(1).equals(d.getStatus().getReplicas())) {
                return Optional.<Pod>empty();
              }
              List<Pod> pods =
                  client.pods().inNamespace(ns).withLabel("app", name).list().getItems().stream()
                      .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                      .filter(
                          p ->
                              p.getStatus() != null
                                  && p.getStatus().getConditions() != null
                                  && p.getStatus().getConditions().stream()
                                      .anyMatch(
                                          c ->
                                              "Ready".equals(c.getType())
                                                  && "True".equals(c.getStatus())))
                      .toList();
              return pods.size() == 1 ? Optional.of(pods.get(0)) : Optional.<Pod>empty();
            },
            Optional::isPresent)
        .get();
  }

  /** A rolling update: the env value ROLLOUT changes, as a config change would. */
  void rollout(String ns, String name) {
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName(name)
        .edit(
            d -> {
              for (EnvVar e : app(d.getSpec().getTemplate().getSpec()).getEnv()) {
                if (e.getName().equals("ROLLOUT")) {
                  e.setValue(Integer.toString(Integer.parseInt(e.getValue()) + 1));
                }
              }
              return d;
            });
  }

  // ------------------------------------------------------------------ a request in flight

  /**
   * A request in flight on one TCP connection (a raw socket, not an HTTP client: a client would
   * retry an idempotent GET on a new connection when the first is cut, and report that instead).
   */
  record InFlight(
      CompletableFuture<String> statusLine, Instant sent, CompletableFuture<Instant> doneAt) {
    /** "answered 200 after 5.0 s" or what cut it. */
    Outcome outcome(Duration atMost) {
      try {
        String status = statusLine.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
        boolean ok = status.startsWith("HTTP/1.1 200") || status.startsWith("HTTP/1.0 200");
        return new Outcome(
            ok,
            (ok ? "answered 200" : "answered \"" + status + "\"")
                + " after "
                + seconds(Duration.between(sent, doneAt.join()))
                + " s");
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable c = e.getCause() == null ? e : e.getCause();
        return new Outcome(
            false,
            "cut after "
                + seconds(Duration.between(sent, doneAt.join()))
                + " s: "
                + (c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage()));
      } catch (java.util.concurrent.TimeoutException e) {
        return new Outcome(false, "no answer within " + atMost.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  record Outcome(boolean answered, String text) {}

  /**
   * GET /slow?s=N straight to the pod's IP (pod traffic stays on the node's bridge); returns once
   * the app has printed that it started the request (its log, through the API server).
   */
  InFlight slowRequest(Pod pod, int seconds) {
    return slowRequest(pod, seconds, true);
  }

  /** As above; {@code mustBeInFlight} false accepts a request the app already lost. */
  InFlight slowRequest(Pod pod, int seconds, boolean mustBeInFlight) {
    String ip = pod.getStatus().getPodIP();
    int before = logLines(pod, "slow request started");
    Instant sent = Instant.now();
    CompletableFuture<String> f =
        CompletableFuture.supplyAsync(
            () -> {
              try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(ip, 8000), 5_000);
                socket.setSoTimeout((seconds + 60) * 1000);
                socket
                    .getOutputStream()
                    .write(
                        ("GET /slow?s="
                                + seconds
                                + " HTTP/1.1\r\nHost: "
                                + ip
                                + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                String line =
                    new java.io.BufferedReader(
                            new java.io.InputStreamReader(
                                socket.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                if (line == null) {
                  throw new java.io.EOFException("connection closed with no response");
                }
                return line;
              } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            },
            runnable -> {
              Thread t = new Thread(runnable, "in-flight-request");
              t.setDaemon(true);
              t.start();
            });
    CompletableFuture<Instant> doneAt = f.handle((r, e) -> Instant.now());
    await("the app logs that /slow?s=" + seconds + " started")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> f.isDone() || logLines(pod, "slow request started") > before);
    if (mustBeInFlight) {
      assertThat(f).as("the request must still be in flight").isNotDone();
    }
    return new InFlight(f, sent, doneAt);
  }

  int logLines(Pod pod, String needle) {
    try {
      String log =
          client
              .pods()
              .inNamespace(pod.getMetadata().getNamespace())
              .withName(pod.getMetadata().getName())
              .inContainer("app")
              .getLog();
      return (int) log.lines().filter(l -> l.contains(needle)).count();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  // ------------------------------------------------------------------ the kubelet's record

  /** The old pod's end as the kubelet reported it. */
  record Termination(
      String pod,
      int exitCode,
      String reason,
      Instant deletionStarted,
      Instant finishedAt,
      long graceSeconds,
      double observedSeconds) {
    /** Seconds from the deletion request to the container's exit, by the kubelet's clock. */
    long secondsToExit() {
      return Duration.between(deletionStarted, finishedAt).toSeconds();
    }
  }

  /** Watches the namespace's pods and keeps the latest object of each, by uid. */
  final class PodRecorder implements AutoCloseable {
    private final Map<String, Pod> latest = new ConcurrentHashMap<>();
    private final Map<String, Instant> deletionSeen = new ConcurrentHashMap<>();

    /**
     * The pod as first seen being deleted: its deletionTimestamp and grace period are the rolling
     * update's (the kubelet's final delete rewrites them with grace 0).
     */
    private final Map<String, Pod> firstDeleted = new ConcurrentHashMap<>();

    private final Map<String, Instant> exitSeen = new ConcurrentHashMap<>();
    private final Watch watch;

    PodRecorder(String ns) {
      watch =
          client
              .pods()
              .inNamespace(ns)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                      String uid = pod.getMetadata().getUid();
                      latest.put(uid, pod);
                      if (pod.getMetadata().getDeletionTimestamp() != null) {
                        deletionSeen.putIfAbsent(uid, Instant.now());
                        firstDeleted.putIfAbsent(uid, pod);
                      }
                      if (terminated(pod) != null) {
                        exitSeen.putIfAbsent(uid, Instant.now());
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  });
    }

    Termination awaitTermination(Pod old, Duration atMost) {
      String uid = old.getMetadata().getUid();
      Pod p =
          await("the kubelet reports the end of pod " + old.getMetadata().getName())
              .atMost(atMost)
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> latest.get(uid),
                  x ->
                      x != null
                          && terminated(x) != null
                          && x.getMetadata().getDeletionTimestamp() != null);
      ContainerStateTerminated t = terminated(p);
      Pod deleted = firstDeleted.getOrDefault(uid, p);
      long grace =
          deleted.getMetadata().getDeletionGracePeriodSeconds() == null
              ? 0
              : deleted.getMetadata().getDeletionGracePeriodSeconds();
      // deletionTimestamp is the deletion request's time plus the grace period
      Instant deletion =
          Instant.parse(deleted.getMetadata().getDeletionTimestamp()).minusSeconds(grace);
      Instant seenDeletion = deletionSeen.get(uid);
      Instant seenExit = exitSeen.get(uid);
      double observed =
          seenDeletion == null || seenExit == null
              ? Double.NaN
              : Duration.between(seenDeletion, seenExit).toMillis() / 1000.0;
      return new Termination(
          p.getMetadata().getName(),
          t.getExitCode(),
          t.getReason() == null ? "" : t.getReason(),
          deletion,
          Instant.parse(t.getFinishedAt()),
          grace,
          observed);
    }

    /** Whether a pod of the namespace had a container that ended with reason OOMKilled. */
    List<String> oomKills() {
      List<String> out = new ArrayList<>();
      for (Pod p : latest.values()) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
          continue;
        }
        for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
          for (var st :
              new io.fabric8.kubernetes.api.model.ContainerState[] {
                cs.getState(), cs.getLastState()
              }) {
            if (st != null
                && st.getTerminated() != null
                && "OOMKilled".equals(st.getTerminated().getReason())) {
              out.add(p.getMetadata().getName() + " exit " + st.getTerminated().getExitCode());
            }
          }
        }
      }
      return out;
    }

    @Override
    public void close() {
      watch.close();
    }
  }

  PodRecorder recordPods(String ns) {
    return new PodRecorder(ns);
  }

  static ContainerStateTerminated terminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      if (cs.getName().equals("app")
          && cs.getState() != null
          && cs.getState().getTerminated() != null
          && cs.getState().getTerminated().getFinishedAt() != null) {
        return cs.getState().getTerminated();
      }
    }
    return null;
  }

  /** The container's restart count and the gunicorn log's OOM lines (cgroup v1 evidence). */
  String containerLog(Pod pod) {
    try {
      return client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .inContainer("app")
          .getLog();
    } catch (RuntimeException e) {
      return "";
    }
  }

  // ------------------------------------------------------------------ pyhygiene's verdicts

  /** The rules of the Deployment's pyhygiene.io/findings annotation (empty if none). */
  List<String> findingRules(String ns, String name) {
    Deployment d = get(ns, name);
    String a =
        d.getMetadata().getAnnotations() == null
            ? null
            : d.getMetadata().getAnnotations().get("pyhygiene.io/findings");
    List<String> rules = new ArrayList<>();
    if (a == null || a.isBlank()) {
      return rules;
    }
    try {
      for (JsonNode f : JSON.readTree(a)) {
        rules.add(f.path("rule").asText());
      }
    } catch (IOException e) {
      throw new AssertionError("pyhygiene.io/findings is not JSON: " + a, e);
    }
    return rules;
  }

  String verdict(String ns, String name) {
    Deployment d = get(ns, name);
    return d.getMetadata().getLabels() == null
        ? null
        : d.getMetadata().getLabels().get("pyhygiene.io/verdict");
  }

  /** True once the operator audited the Deployment's current generation. */
  boolean audited(String ns, String name) {
    Deployment d = get(ns, name);
    String g =
        d.getMetadata().getAnnotations() == null
            ? null
            : d.getMetadata().getAnnotations().get("pyhygiene.io/audited-generation");
    return g != null && g.equals(String.valueOf(d.getMetadata().getGeneration()));
  }

  /** The rules of the namespace's PolicyReport results that name the Deployment. */
  List<String> reportRules(String ns, String name) {
    GenericKubernetesResource r =
        client
            .genericKubernetesResources("wgpolicyk8s.io/v1alpha2", "PolicyReport")
            .inNamespace(ns)
            .withName("pyhygiene")
            .get();
    List<String> out = new ArrayList<>();
    if (r == null || !(r.getAdditionalProperties().get("results") instanceof List<?> results)) {
      return out;
    }
    for (Object o : results) {
      JsonNode n = JSON.valueToTree(o);
      boolean ours = false;
      for (JsonNode res : n.path("resources")) {
        ours |= name.equals(res.path("name").asText());
      }
      if (ours && !"pass".equals(n.path("result").asText())) {
        out.add(n.path("rule").asText());
      }
    }
    return out;
  }

  /** A PromQL instant query's single value through the e2e Prometheus (NaN when empty). */
  double prometheus(String query) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          PROMETHEUS
                              + "/api/v1/query?query="
                              + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode result = JSON.readTree(r.body()).path("data").path("result");
      return result.isEmpty() ? Double.NaN : result.get(0).path("value").get(1).asDouble();
    } catch (IOException e) {
      throw new AssertionError(
          "Prometheus at " + PROMETHEUS + " (make install starts it): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * max(pyhygiene_<counter>_total{namespace, kind=Deployment, name}) over the operator pods in
   * Prometheus, 0 when absent. Max, not sum: every replica watches the pods and counts the same
   * termination.
   */
  double counter(String counter, String ns, String name) {
    double v =
        prometheus(
            "max("
                + counter
                + "{namespace=\""
                + ns
                + "\",kind=\"Deployment\",name=\""
                + name
                + "\"})");
    return Double.isNaN(v) ? 0 : v;
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 1000.0);
  }

  static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
