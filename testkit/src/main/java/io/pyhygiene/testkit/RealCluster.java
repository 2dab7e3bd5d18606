package io.pyhygiene.testkit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension giving integration tests the real local control plane of {@code make
 * cluster-up} (etcd + kube-apiserver + kube-controller-manager built from upstream, see {@code
 * e2e/README.md}).
 *
 * <pre>{@code
 * @RegisterExtension static final RealCluster cluster = new RealCluster();
 * ...
 * String ns = cluster.createNamespace();       // deleted after the test
 * cluster.client().apps().deployments().inNamespace(ns)...
 * }</pre>
 *
 * <p>Before the first test it makes sure the cluster is up: when the kubeconfig is missing or
 * {@code /readyz} does not answer {@code ok}, it runs {@code e2e/bin/cluster-up.sh} (idempotent;
 * builds the binaries on a fresh machine) from the repository root. If the cluster cannot be
 * started the tests <em>fail</em>; they are never skipped. The cluster is left running for the next
 * test class; {@code make cluster-down} stops it.
 *
 * <p>Settings: repository root from the system property {@code pyhygiene.repoRoot}, the env var
 * {@code PYHYGIENE_REPO_ROOT}, or the first parent of the working directory holding {@code
 * e2e/bin/cluster-up.sh}; work dir from {@code PYHYGIENE_E2E_WORK} (default {@code e2e/.work}).
 */
public final class RealCluster implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

  /** Generous: on a fresh machine cluster-up first builds kube-apiserver and friends (cold). */
  private static final long CLUSTER_UP_TIMEOUT_MINUTES =
      Long.getLong("pyhygiene.clusterUpTimeoutMinutes", 60);

  private KubernetesClient client;
  private final List<String> namespaces = new ArrayList<>();
  private final List<HasMetadata> clusterScoped = new ArrayList<>();

  /** The repository root (the directory holding {@code e2e/}); see {@link Repository#root}. */
  public static Path repoRoot() {
    return Repository.root();
  }

  /** The cluster's work dir ({@code e2e/.work} unless {@code PYHYGIENE_E2E_WORK} is set). */
  public static Path workDir() {
    String configured = System.getenv("PYHYGIENE_E2E_WORK");
    return configured != null && !configured.isBlank()
        ? Paths.get(configured).toAbsolutePath().normalize()
        : repoRoot().resolve("e2e/.work");
  }

  /** The admin kubeconfig written by cluster-up (client certificate in system:masters). */
  public static Path kubeconfig() {
    return workDir().resolve("kubeconfig");
  }

  /** The API audit log of the cluster. */
  public static Path auditLog() {
    return workDir().resolve("audit.log");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    ensureUp();
    client = newAdminClient();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (client == null) {
      return;
    }
    for (HasMetadata resource : clusterScoped) {
      client.resource(resource).delete();
    }
    clusterScoped.clear();
    for (String ns : namespaces) {
      client.namespaces().withName(ns).delete();
    }
    namespaces.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client != null) {
      client.close();
      client = null;
    }
  }

  /** An admin client (system:masters) for the cluster. */
  public KubernetesClient client() {
    if (client == null) {
      throw new IllegalStateException(
          "RealCluster is not started: register it with @RegisterExtension");
    }
    return client;
  }

  /** Creates a throwaway namespace, deleted after the current test. */
  public String createNamespace() {
    String name =
        "it-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    name = name.substring(0, Math.min(name.length(), 15)).toLowerCase(Locale.ROOT);
    client()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("pyhygiene.io/test", "true")
                .endMetadata()
                .build())
        .create();
    namespaces.add(name);
    return name;
  }

  /** Deletes a cluster-scoped resource (ClusterRole, policy, ...) after the current test. */
  public <T extends HasMetadata> T deleteAfterTest(T resource) {
    clusterScoped.add(resource);
    return resource;
  }

  /** A client for the cluster's API server authenticating with a bearer token only. */
  public KubernetesClient clientWithToken(String token) {
    Config admin = client().getConfiguration();
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(admin.getMasterUrl())
            .withCaCertData(admin.getCaCertData())
            .withOauthToken(token)
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Starts the cluster with e2e/bin/cluster-up.sh unless it is already up; fails otherwise. */
  public static synchronized void ensureUp() {
    if (isReady()) {
      return;
    }
    Path root = repoRoot();
    Path script = root.resolve("e2e/bin/cluster-up.sh");
    Path output;
    try {
      output = Files.createTempFile("pyhygiene-cluster-up", ".log");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int exit;
    try {
      // Output goes to a file, not to this (forked) JVM's stdout: the control-plane daemons
      // detach from it, and the test runner's channel stays clean.
      Process process =
          new ProcessBuilder("bash", script.toString())
              .directory(root.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      if (!process.waitFor(CLUSTER_UP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError(
            "e2e/bin/cluster-up.sh did not finish within "
                + CLUSTER_UP_TIMEOUT_MINUTES
                + " min; output:\n"
                + read(output));
      }
      exit = process.exitValue();
    } catch (IOException e) {
      throw new AssertionError("cannot run " + script + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while starting the cluster", e);
    }
    String log = read(output);
    System.out.println("[RealCluster] e2e/bin/cluster-up.sh:\n" + log);
    if (exit != 0) {
      throw new AssertionError("e2e/bin/cluster-up.sh failed (exit " + exit + "):\n" + log);
    }
    if (!isReady()) {
      throw new AssertionError(
          "cluster-up.sh succeeded but "
              + kubeconfig()
              + " does not give a ready API server (/readyz)\n"
              + log);
    }
  }

  /** True if the kubeconfig exists and the API server answers /readyz with ok. */
  public static boolean isReady() {
    Path kubeconfig = kubeconfig();
    if (!Files.isRegularFile(kubeconfig)) {
      return false;
    }
    try (KubernetesClient probe = newClient(kubeconfig, 5_000)) {
      return "ok".equals(probe.raw("/readyz"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static KubernetesClient newAdminClient() {
    return newClient(kubeconfig(), 30_000);
  }

  private static KubernetesClient newClient(Path kubeconfig, int requestTimeoutMillis) {
    try {
      String yaml = Files.readString(kubeconfig, StandardCharsets.UTF_8);
      Config config =
          new ConfigBuilder(Config.fromKubeconfig(yaml))
              .withRequestTimeout(requestTimeoutMillis)
              .withConnectionTimeout(5_000)
              .withRequestRetryBackoffLimit(0)
              .build();
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + kubeconfig, e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }
}
