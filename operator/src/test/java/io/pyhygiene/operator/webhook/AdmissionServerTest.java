package io.pyhygiene.operator.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicy;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.audit.PolicyCatalog;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.metrics.PyhygieneMetrics;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.rules.RuleCatalog;
import java.io.FileInputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The webhook over real TLS, in-process: AdmissionReview in, AdmissionReview out. */
class AdmissionServerTest {

  @TempDir static Path dir;

  static AdmissionServer server;
  static TrustManagerFactory trust;
  static final ObjectMapper JSON = Json.MAPPER;
  static final SimpleMeterRegistry REGISTRY = new SimpleMeterRegistry();

  static void openssl(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("openssl %s: %s", args[0], out).isZero();
  }

  /** A serving cert for 127.0.0.1 for the key in {@code keyName}, signed by the CA. */
  static void serving(String cn, String certName, String keyName) throws Exception {
    openssl("req", "-new", "-key", keyName, "-out", cn + ".csr", "-subj", "/CN=" + cn);
    Files.writeString(
        dir.resolve("ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    openssl(
        "x509",
        "-req",
        "-in",
        cn + ".csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext",
        "-out",
        certName);
  }

  @BeforeAll
  static void start() throws Exception {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "tls.key");
    serving("first", "tls.crt", "tls.key");
    // The same key as PKCS#1 ("BEGIN RSA PRIVATE KEY"), the form Helm's genSignedCert writes.
    openssl("rsa", "-in", "tls.key", "-traditional", "-out", "tls.key");
    // One policy in the cluster, selecting every namespace: what the webhook's informer holds.
    PythonHygienePolicy deny = new PythonHygienePolicy();
    deny.getMetadata().setName("p-Deny");
    deny.getMetadata().setUid("uid-deny");
    deny.getMetadata().setGeneration(1L);
    deny.setSpec(Json.YAML.readValue("mode: Deny", PythonHygienePolicySpec.class));
    PolicyCatalog policies = new PolicyCatalog(new PolicyResolver(RuleCatalog.all()));
    policies.attach(() -> Stream.of(deny));
    server =
        new AdmissionServer(
            0,
            dir.resolve("tls.crt"),
            dir.resolve("tls.key"),
            new AdmissionDecider(
                new WorkloadAuditor(
                    new Auditor(RuleCatalog.all(), Clock.systemUTC()),
                    policies::active,
                    ns -> Map.of())),
            Set.of("kube-system"),
            new PyhygieneMetrics(REGISTRY));
    server.start();
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (FileInputStream in = new FileInputStream(dir.resolve("ca.crt").toFile())) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    AdmissionServerTest.trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    AdmissionServerTest.trust.init(trust);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  record Reply(int status, JsonNode body, String servedCn) {}

  static Reply post(String body) throws Exception {
    HttpsURLConnection c =
        (HttpsURLConnection)
            new URL("https://127.0.0.1:" + server.port() + "/validate").openConnection();
    // A fresh TLS context per request: no session resumption, so every handshake shows the
    // certificate the server serves now.
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, trust.getTrustManagers(), null);
    c.setSSLSocketFactory(client.getSocketFactory());
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/json");
    c.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    int status = c.getResponseCode();
    String cn =
        ((X509Certificate) c.getServerCertificates()[0]).getSubjectX500Principal().getName();
    byte[] bytes = (status < 400 ? c.getInputStream() : c.getErrorStream()).readAllBytes();
    return new Reply(status, JSON.readTree(bytes), cn);
  }

  static String review(String namespace, String operation, String command, boolean dryRun) {
    return """
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
         "request": {"uid": "u-123", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
          "operation": "%s", "namespace": "%s", "dryRun": %s,
          "object": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "python:3.12-slim",
              "command": %s}]}}}}}}
        """
        .formatted(operation, namespace, dryRun, command);
  }

  @Test
  void deniesAndAnswersTheReview() throws Exception {
    Reply r = post(review("shop", "CREATE", "[\"sh\", \"-c\", \"gunicorn app:app\"]", false));
    assertThat(r.status()).isEqualTo(200);
    JsonNode resp = r.body().get("response");
    assertThat(r.body().get("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(resp.get("uid").asText()).isEqualTo("u-123");
    assertThat(resp.get("allowed").asBoolean()).isFalse();
    assertThat(resp.get("status").get("code").asInt()).isEqualTo(403);
    assertThat(resp.get("status").get("message").asText()).contains("shell-wrapper [web]");
    assertThat(resp.get("warnings").get(0).asText()).startsWith("shell-wrapper");
    assertThat(resp.get("auditAnnotations").get("verdict").asText()).isEqualTo("fail");
  }

  @Test
  void dryRunIsAnsweredTheSameWay() throws Exception {
    JsonNode wet =
        post(review("shop", "CREATE", "[\"sh\", \"-c\", \"gunicorn app:app\"]", false))
            .body()
            .get("response");
    JsonNode dry =
        post(review("shop", "CREATE", "[\"sh\", \"-c\", \"gunicorn app:app\"]", true))
            .body()
            .get("response");
    assertThat(dry).isEqualTo(wet);
  }

  @Test
  void excludedNamespacesOtherKindsAndGarbage() throws Exception {
    assertThat(
            post(review("kube-system", "CREATE", "[\"sh\", \"-c\", \"x\"]", false))
                .body()
                .get("response")
                .get("allowed")
                .asBoolean())
        .isTrue();
    assertThat(
            post(review("shop", "DELETE", "[\"sh\", \"-c\", \"x\"]", false))
                .body()
                .get("response")
                .get("allowed")
                .asBoolean())
        .isTrue();
    assertThat(post("not json").status()).isEqualTo(400);
    assertThat(post("{\"request\": {}}").status()).isEqualTo(400);
    assertThat(REGISTRY.find("pyhygiene.admission.requests").tag("decision", "denied").counter())
        .isNotNull();
  }

  @Test
  void reloadsARotatedCertificateWithoutRestart() throws Exception {
    assertThat(post(review("shop", "DELETE", "[]", false)).servedCn()).contains("CN=first");
    // rotated to an ECDSA key in SEC1 form ("EC PRIVATE KEY"), as cert-manager writes one
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "new.key");
    serving("second", "new.crt", "new.key");
    assertThat(Files.readString(dir.resolve("new.key"))).contains("BEGIN EC PRIVATE KEY");
    Files.move(dir.resolve("new.key"), dir.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(dir.resolve("new.crt"), dir.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
    // the files are looked at again at most every 2 s, on a handshake
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> post(review("shop", "DELETE", "[]", false)).servedCn(),
            cn -> cn.contains("CN=second"));
  }
}
