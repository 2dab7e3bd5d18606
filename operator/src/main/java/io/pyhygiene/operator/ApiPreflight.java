package io.pyhygiene.operator;

import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Listable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Checks, before any informer starts, that the API server can be used the way the informers will
 * use it: reachable, the credentials accepted, the PythonHygienePolicy CRD installed, and list
 * allowed on everything watched. Without it, each of those ends in a 100-line informer stack trace
 * saying "Not Found" or "Forbidden"; with it, start-up stops with one line saying what to do. One
 * {@code limit=1} list per resource (and watched namespace): a handful of requests.
 */
public final class ApiPreflight {

  static final String CRD = "pythonhygienepolicies.pyhygiene.io";
  private static final ListOptions ONE = new ListOptionsBuilder().withLimit(1L).build();

  private ApiPreflight() {}

  /** Throws {@link IllegalStateException} with what is wrong and what to do about it. */
  public static void check(KubernetesClient client, Set<String> watchNamespaces) {
    String server = String.valueOf(client.getMasterUrl());
    List<String> scopes =
        watchNamespaces.isEmpty() ? List.of("") : new ArrayList<>(watchNamespaces);
    list(
        server,
        "pythonhygienepolicies",
        "",
        () -> client.resources(PythonHygienePolicy.class).list(ONE));
    list(server, "namespaces", "", () -> client.namespaces().list(ONE));
    for (String ns : scopes) {
      list(server, "deployments", ns, () -> in(client.apps().deployments(), ns).list(ONE));
      list(server, "pods", ns, () -> in(client.pods(), ns).list(ONE));
    }
  }

  /** The operation in one namespace, or in all of them for "". */
  private static Listable<?> in(MixedOperation<?, ?, ?> op, String namespace) {
    return namespace.isEmpty() ? op.inAnyNamespace() : op.inNamespace(namespace);
  }

  private static void list(String server, String resource, String namespace, Supplier<?> call) {
    try {
      // Only whether the list call succeeds matters, not what it lists.
      Object unused = call.get();
    } catch (KubernetesClientException e) {
      throw new IllegalStateException(
          explain(
              server,
              resource,
              namespace,
              e.getCode(),
              e.getStatus() == null ? null : e.getStatus().getMessage(),
              rootCause(e)),
          e);
    }
  }

  /** The one-line explanation of a failed list (pure: unit-tested on every branch). */
  static String explain(
      String server,
      String resource,
      String namespace,
      int code,
      String serverMessage,
      String cause) {
    String where = namespace.isEmpty() ? "" : " in namespace " + namespace;
    if (code <= 0 && cause.contains("GOAWAY")) {
      // The API server answers an unauthenticated HTTP/2 request with 401 and closes the
      // connection (UnauthenticatedHTTP2DOSMitigation); the client then only reports the GOAWAY.
      return "the API server at "
          + server
          + " closed the connection (HTTP/2 GOAWAY), as it does"
          + " for requests it cannot authenticate: the credentials were most likely rejected;"
          + " check KUBECONFIG, or the pod's ServiceAccount token";
    }
    if (code <= 0) { // no HTTP status: the request never got an answer (fabric8 says 0 or -1)
      return "cannot reach the API server at "
          + server
          + ": "
          + cause
          + " (check KUBECONFIG or the in-cluster service account, and the network)";
    }
    return switch (code) {
      case 401 ->
          "the API server at "
              + server
              + " rejected the operator's credentials"
              + " (401 Unauthorized): check KUBECONFIG, or the pod's ServiceAccount token";
      case 403 ->
          "the operator may not list "
              + resource
              + where
              + " (403 Forbidden"
              + (serverMessage == null ? "" : ": " + serverMessage)
              + "): bind its identity to the"
              + " chart's ClusterRole, which grants list and watch on deployments, pods, namespaces"
              + " and pythonhygienepolicies";
      case 404 ->
          "pythonhygienepolicies".equals(resource)
              ? "the PythonHygienePolicy CRD ("
                  + CRD
                  + ") is not installed on "
                  + server
                  + ": apply it with `kubectl apply --server-side -f crds/`, or install the Helm chart"
              : resource
                  + where
                  + " not found on "
                  + server
                  + " (404)"
                  + (namespace.isEmpty() ? "" : ": does the namespace exist?");
      default ->
          "listing "
              + resource
              + where
              + " on "
              + server
              + " failed ("
              + code
              + (serverMessage == null ? "" : ": " + serverMessage)
              + ")";
    };
  }

  /**
   * What went wrong below the client's generic "Operation ... failed": the first cause with a
   * message (an unknown host, a TLS error), else the names of the causes (a refused connection is a
   * ConnectException without one).
   */
  static String rootCause(Throwable e) {
    List<String> names = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException) {
        continue;
      }
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
      }
      names.add(t.getClass().getSimpleName());
    }
    return names.isEmpty() ? "no answer" : String.join(" <- ", names);
  }
}
