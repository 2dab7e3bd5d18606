package io.pyhygiene.faults;

import static org.awaitility.Awaitility.await;

import io.pyhygiene.testkit.PromText;
import io.pyhygiene.testkit.RealCluster;
import io.pyhygiene.testkit.Repository;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar pyhygiene.jar run} as a separate process (so a test can SIGKILL it), with the
 * suite cluster's admin kubeconfig (or another one, e.g. through a proxy), JSON-line logs to a file
 * under faults/target/operators/.
 */
final class OperatorProcess implements AutoCloseable {

  private final Process process;
  private final int httpPort;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private OperatorProcess(Process process, int httpPort, Path log) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
  }

  /** Starts an operator named {@code name} with {@code env} on top of the suite's defaults. */
  static OperatorProcess start(String name, Path kubeconfig, Map<String, String> env)
      throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path dir = Repository.root().resolve("faults/target/operators");
    Files.createDirectories(dir);
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(Processes.javaJar(List.of("-Xmx256m"), List.of("run")));
    Map<String, String> e = pb.environment();
    e.put("KUBECONFIG", (kubeconfig == null ? RealCluster.kubeconfig() : kubeconfig).toString());
    e.put("PYHYGIENE_HTTP_PORT", Integer.toString(port));
    e.put("PYHYGIENE_WEBHOOK_ENABLED", "false");
    e.put("PYHYGIENE_LEADER_ELECTION", "false");
    e.put("PYHYGIENE_REPORT_INTERVAL", "1s");
    e.put("POD_NAME", name);
    e.putAll(new HashMap<>(env));
    Process p =
        pb.redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new OperatorProcess(p, port, log);
  }

  /** Waits until /readyz answers 200 (fails after the timeout, or at once if the process exits). */
  OperatorProcess awaitReady(Duration timeout) {
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(
                    "operator exited with " + process.exitValue() + "; log: " + tailLog(2000));
              }
              return status("/readyz") == 200;
            });
    return this;
  }

  int status(String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                  .timeout(Duration.ofSeconds(2))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The operator's /metrics (Prometheus text), or fails. */
  String scrape() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("/metrics answered " + r.statusCode());
    }
    return r.body();
  }

  /** Deployment reconciles started so far (JOSDK's counter). */
  double deploymentReconciles() throws IOException, InterruptedException {
    return PromText.value(
        scrape(), "operator_sdk_reconciliations_started_total", Map.of("kind", "Deployment"));
  }

  /** Whether no Deployment reconcile is queued or running (JOSDK's gauges). */
  boolean reconcilerIdle() throws IOException, InterruptedException {
    String s = scrape();
    return PromText.has(s, "operator_sdk_reconciliations_executions_deployments", Map.of())
        && PromText.value(s, "operator_sdk_reconciliations_executions_deployments", Map.of()) == 0
        && PromText.value(s, "operator_sdk_reconciliations_queue_size_deployments", Map.of()) == 0;
  }

  boolean alive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL, and wait for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  String tailLog(int chars) {
    try {
      String s = Files.readString(log, StandardCharsets.UTF_8);
      return s.substring(Math.max(0, s.length() - chars));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  Path log() {
    return log;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
