package io.pyhygiene.cli;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cluster {@code audit --cluster} reads, found as kubectl finds it: {@code --kubeconfig}, else
 * {@code $KUBECONFIG}, else {@code ~/.kube/config}, else the in-cluster service account; {@code
 * --context} or the kubeconfig's current context; its namespace, else {@code default}.
 */
final class ClusterConnection {

  private ClusterConnection() {}

  /** A client for the chosen context; closing it closes the client. */
  record Connected(KubernetesClient client, String context, String namespace)
      implements AutoCloseable {
    @Override
    public void close() {
      client.close();
    }
  }

  /** The kubeconfig or the context cannot be used. */
  static final class ConnectionException extends Exception {
    ConnectionException(String message) {
      super(message);
    }
  }

  static Connected open(Path kubeconfig, String context, Map<String, String> env)
      throws ConnectionException {
    Config config = config(kubeconfig, context, env);
    // A scan is a handful of list calls: fail fast on a dead API server (fabric8 retries ten
    // times by default), allow a slow page of a big cluster.
    Config tuned =
        new ConfigBuilder(config)
            .withConnectionTimeout(10_000)
            .withRequestTimeout(120_000)
            .withRequestRetryBackoffLimit(1)
            .withRequestRetryBackoffInterval(500)
            .build();
    String namespace =
        tuned.getNamespace() == null || tuned.getNamespace().isBlank()
            ? "default"
            : tuned.getNamespace();
    String name = tuned.getCurrentContext() == null ? "" : tuned.getCurrentContext().getName();
    return new Connected(new KubernetesClientBuilder().withConfig(tuned).build(), name, namespace);
  }

  private static Config config(Path kubeconfig, String context, Map<String, String> env)
      throws ConnectionException {
    Path file = kubeconfig;
    if (file == null) {
      String list = env.get("KUBECONFIG");
      if (list != null && !list.isBlank()) {
        List<Path> files = new ArrayList<>();
        for (String p : list.split(File.pathSeparator)) {
          if (!p.isBlank() && Files.isRegularFile(Path.of(p))) {
            files.add(Path.of(p));
          }
        }
        if (files.size() > 1) {
          // several files are merged, as kubectl does: fabric8 reads $KUBECONFIG itself
          return Config.autoConfigure(context);
        }
        if (files.isEmpty()) {
          throw new ConnectionException("KUBECONFIG=" + list + ": no such file");
        }
        file = files.get(0);
      } else {
        Path home =
            Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".kube", "config");
        if (!Files.isRegularFile(home)) {
          String inCluster = env.get("KUBERNETES_SERVICE_HOST");
          if (context == null && inCluster != null && !inCluster.isBlank()) {
            return Config.autoConfigure(null); // in a pod: its service account, as client-go
          }
          throw new ConnectionException(
              "no kubeconfig: "
                  + home
                  + " does not exist and"
                  + " KUBECONFIG is not set (give one with --kubeconfig)");
        }
        file = home;
      }
    } else if (!Files.isRegularFile(file)) {
      throw new ConnectionException("--kubeconfig " + file + ": no such file");
    }
    io.fabric8.kubernetes.api.model.Config parsed;
    try {
      parsed = KubeConfigUtils.parseConfig(file.toFile());
    } catch (RuntimeException e) {
      throw new ConnectionException(
          file + ": not a kubeconfig (" + e.getClass().getSimpleName() + ")");
    }
    List<String> contexts =
        parsed.getContexts() == null
            ? List.of()
            : parsed.getContexts().stream().map(NamedContext::getName).toList();
    if (context != null && !contexts.contains(context)) {
      throw new ConnectionException(
          "--context "
              + context
              + ": not in "
              + file
              + " (contexts: "
              + String.join(", ", contexts)
              + ")");
    }
    if (context == null
        && (parsed.getCurrentContext() == null || parsed.getCurrentContext().isBlank())) {
      throw new ConnectionException(
          file
              + " has no current-context: pick one with --context"
              + " (contexts: "
              + String.join(", ", contexts)
              + ")");
    }
    try {
      return Config.fromKubeconfig(context, file.toFile());
    } catch (RuntimeException e) {
      throw new ConnectionException(
          file
              + ": cannot use it ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage().replaceAll("\\s+", " "))
              + ")");
    }
  }
}
