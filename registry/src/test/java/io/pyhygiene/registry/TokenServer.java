package io.pyhygiene.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Docker token server (the Bearer flow Docker Hub, GHCR and most hosted registries use), for a
 * docker-registry configured with {@code auth: token}: it signs JWTs with a key whose self-signed
 * certificate (made by the JDK's keytool) is the registry's root bundle, the certificate travelling
 * in the JWT's {@code x5c} header. Repositories under {@code public/} may be pulled by anyone (an
 * anonymous token); others need the one user and password.
 */
final class TokenServer implements AutoCloseable {

  static final String SERVICE = "pyhygiene-test";
  static final String ISSUER = "pyhygiene-test-issuer";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final PrivateKey key;
  private final String certBase64;
  private final Path certPem;
  private final String user;
  private final String password;
  private final AtomicInteger tokens = new AtomicInteger();
  private final AtomicInteger refusals = new AtomicInteger();

  private TokenServer(
      HttpServer server,
      PrivateKey key,
      String certBase64,
      Path certPem,
      String user,
      String password) {
    this.server = server;
    this.key = key;
    this.certBase64 = certBase64;
    this.certPem = certPem;
    this.user = user;
    this.password = password;
  }

  static TokenServer start(Path dir, String user, String password) throws Exception {
    Path keystore = dir.resolve("token.p12");
    String storePass = "token-test-store";
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "token",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-sigalg",
                "SHA256withRSA",
                "-dname",
                "CN=pyhygiene-test-token",
                "-validity",
                "2",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                storePass,
                "-keypass",
                storePass)
            .redirectErrorStream(true)
            .start();
    byte[] out = keytool.getInputStream().readAllBytes();
    if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + new String(out, StandardCharsets.UTF_8));
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, storePass.toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey("token", storePass.toCharArray());
    Certificate cert = ks.getCertificate("token");
    String der = Base64.getEncoder().encodeToString(cert.getEncoded());
    Path pem = dir.resolve("token.pem");
    Files.writeString(
        pem,
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(cert.getEncoded())
            + "\n-----END CERTIFICATE-----\n");
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    TokenServer ts = new TokenServer(http, key, der, pem, user, password);
    http.createContext("/token", ts::handle);
    http.start();
    return ts;
  }

  String realm() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  Path rootCertBundle() {
    return certPem;
  }

  int tokensIssued() {
    return tokens.get();
  }

  int refusals() {
    return refusals.get();
  }

  /** A token the tests use to push (pull and push on every repository they name). */
  String pushToken(String... repositories) throws Exception {
    List<String[]> access = new ArrayList<>();
    for (String r : repositories) {
      access.add(new String[] {r, "pull", "push"});
    }
    return jwt("pusher", access);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      List<String> scopes = new ArrayList<>();
      if (query != null) {
        for (String pair : query.split("&")) {
          String[] kv = pair.split("=", 2);
          if (kv.length == 2 && kv[0].equals("scope")) {
            scopes.add(URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
          }
        }
      }
      String subject = "";
      String header = exchange.getRequestHeaders().getFirst("Authorization");
      if (header != null) {
        String expected =
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        if (!header.equals(expected)) {
          refusals.incrementAndGet();
          exchange.sendResponseHeaders(401, -1);
          return;
        }
        subject = user;
      }
      List<String[]> access = new ArrayList<>();
      for (String scope : scopes) {
        String[] parts = scope.split(":"); // repository:name:actions
        if (parts.length == 3
            && parts[0].equals("repository")
            && (parts[1].startsWith("public/") || !subject.isEmpty())) {
          access.add(new String[] {parts[1], "pull"});
        }
      }
      String token = jwt(subject, access);
      tokens.incrementAndGet();
      byte[] body =
          JSON.writeValueAsBytes(
              JSON.createObjectNode()
                  .put("token", token)
                  .put("access_token", token)
                  .put("expires_in", 300));
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private String jwt(String subject, List<String[]> access) throws Exception {
    ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
    header.putArray("x5c").add(certBase64);
    long now = Instant.now().getEpochSecond();
    ObjectNode claims =
        JSON.createObjectNode()
            .put("iss", ISSUER)
            .put("sub", subject)
            .put("aud", SERVICE)
            .put("exp", now + 300)
            .put("nbf", now - 60)
            .put("iat", now - 60)
            .put("jti", UUID.randomUUID().toString());
    var accessArray = claims.putArray("access");
    for (String[] a : access) {
      ObjectNode entry = accessArray.addObject().put("type", "repository").put("name", a[0]);
      var actions = entry.putArray("actions");
      for (int i = 1; i < a.length; i++) {
        actions.add(a[i]);
      }
    }
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(JSON.writeValueAsBytes(header))
            + "."
            + b64.encodeToString(JSON.writeValueAsBytes(claims));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(key);
    rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + b64.encodeToString(rs256.sign());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
