package io.pyhygiene.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class ApiPreflightTest {

  static final String SERVER = "https://10.0.0.1:6443/";

  @Test
  void aMissingPolicyCrdSaysHowToInstallIt() {
    assertThat(
            ApiPreflight.explain(
                SERVER,
                "pythonhygienepolicies",
                "",
                404,
                "the server could" + " not find the requested resource",
                "x"))
        .isEqualTo(
            "the PythonHygienePolicy CRD (pythonhygienepolicies.pyhygiene.io) is not"
                + " installed on "
                + SERVER
                + ": apply it with `kubectl apply --server-side -f crds/`,"
                + " or install the Helm chart");
  }

  @Test
  void aMissingWatchedNamespaceIsNamed() {
    assertThat(ApiPreflight.explain(SERVER, "deployments", "shop", 404, null, "x"))
        .isEqualTo(
            "deployments in namespace shop not found on "
                + SERVER
                + " (404): does the namespace exist?");
  }

  @Test
  void forbiddenQuotesTheServerAndPointsAtTheClusterRole() {
    assertThat(
            ApiPreflight.explain(
                SERVER,
                "pods",
                "shop",
                403,
                "pods is forbidden: User \"system:serviceaccount:ops:op\" cannot list resource \"pods\"",
                "x"))
        .startsWith(
            "the operator may not list pods in namespace shop (403 Forbidden: pods is"
                + " forbidden: User \"system:serviceaccount:ops:op\"")
        .endsWith(
            "bind its identity to the chart's ClusterRole, which grants list and watch on"
                + " deployments, pods, namespaces and pythonhygienepolicies");
  }

  @Test
  void noAnswerMeansUnreachable() {
    assertThat(ApiPreflight.explain(SERVER, "pods", "", -1, null, "ConnectException"))
        .startsWith("cannot reach the API server at " + SERVER + ": ConnectException");
    assertThat(ApiPreflight.explain(SERVER, "pods", "", 0, null, "x")).startsWith("cannot reach");
    assertThat(ApiPreflight.explain(SERVER, "pods", "", 401, null, "x")).contains("401");
    assertThat(ApiPreflight.explain(SERVER, "pods", "", 500, "etcd timeout", "x"))
        .isEqualTo("listing pods on " + SERVER + " failed (500: etcd timeout)");
  }

  @Test
  void aGoawayWithoutStatusIsTheApiServersAnswerToUnauthenticatedHttp2() {
    assertThat(
            ApiPreflight.explain(
                SERVER,
                "pythonhygienepolicies",
                "",
                -1,
                null,
                "IOException: /127.0.0.1:36092: GOAWAY received"))
        .contains(
            "closed the connection (HTTP/2 GOAWAY)",
            "credentials were most likely rejected",
            "KUBECONFIG");
  }

  @Test
  void theCauseBelowTheClientsGenericMessageIsShown() {
    assertThat(
            ApiPreflight.rootCause(
                new KubernetesClientException(
                    "Operation: [list] failed", new IOException(null, new ConnectException()))))
        .isEqualTo("IOException <- ConnectException");
    assertThat(
            ApiPreflight.rootCause(
                new KubernetesClientException(
                    "Operation: [list] failed", new UnknownHostException("api.example.invalid"))))
        .isEqualTo("UnknownHostException: api.example.invalid");
    assertThat(ApiPreflight.rootCause(new KubernetesClientException("only this")))
        .isEqualTo("no answer");
  }
}
