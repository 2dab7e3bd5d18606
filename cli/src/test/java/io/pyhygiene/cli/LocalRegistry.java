package io.pyhygiene.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * A real registry for the CLI's ITs, as the registry module's ITs run one: Debian's {@code
 * docker-registry} (distribution 2.8, installed by {@code scripts/test-deps.sh}, or {@code
 * PYHYGIENE_DOCKER_REGISTRY}) on a free loopback port, optionally behind htpasswd basic auth, with
 * images written through the distribution API (blob uploads, manifest PUT): one empty gzipped layer
 * and an OCI config holding the fields under test. The ITs fail, never skip, without the binary.
 */
final class LocalRegistry implements AutoCloseable {

  /** What an image's config says; null fields are left out. */
  record Config(List<String> entrypoint, List<String> cmd, String user, List<String> env) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path log;
  private final int port;
  private final String authorization;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private LocalRegistry(Process process, Path log, int port, String authorization) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.authorization = authorization;
  }

  /**
   * Starts a registry storing under {@code dir}; with {@code htpasswd} ({@code user:bcrypt}) every
   * request needs basic auth, and {@code user}/{@code password} are used for pushes.
   */
  static LocalRegistry start(Path dir, String htpasswd, String user, String password)
      throws Exception {
    Path binary = binary();
    int port = freePort();
    StringBuilder yaml =
        new StringBuilder(
            """
        version: 0.1
        log: {level: info, formatter: text}
        storage:
          filesystem: {rootdirectory: %s}
        http: {addr: "127.0.0.1:%d"}
        """
                .formatted(dir.resolve("data"), port));
    if (htpasswd != null) {
      Path file = dir.resolve("htpasswd");
      Files.writeString(file, htpasswd + "\n");
      yaml.append("auth:\n  htpasswd: {realm: pyhygiene-cli-test, path: %s}\n".formatted(file));
    }
    Path config = dir.resolve("config.yml");
    Files.writeString(config, yaml);
    Path log = dir.resolve("registry.log");
    Process p =
        new ProcessBuilder(binary.toString(), "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    String auth =
        user == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    LocalRegistry registry = new LocalRegistry(p, log, port, auth);
    registry.awaitReady();
    return registry;
  }

  static Path binary() {
    String explicit = System.getenv("PYHYGIENE_DOCKER_REGISTRY");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "docker-registry");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "docker-registry is not installed: run `make test-deps`"
            + " (Debian package docker-registry) or set PYHYGIENE_DOCKER_REGISTRY");
  }

  /** A loopback port nothing listens on (bound, then released). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** Waits (20 s at most) until {@code GET /v2/} answers 200, or 401 behind auth. */
  private void awaitReady() throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "docker-registry exited " + process.exitValue() + ": " + Files.readString(log));
      }
      try {
        int status =
            http.send(
                    HttpRequest.newBuilder(URI.create(url("/v2/"))).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (IOException notListeningYet) {
        // retried until the deadline
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("docker-registry did not answer on " + port + " within 20 s");
  }

  String hostPort() {
    return "127.0.0.1:" + port;
  }

  /**
   * How many requests the registry logged for paths containing {@code part}, counted once a marker
   * request sent now has reached its access log (so every earlier request is in it).
   */
  long requests(String part) throws Exception {
    String marker = "/v2/?mark=" + System.nanoTime();
    http.send(
        HttpRequest.newBuilder(URI.create(url(marker))).build(),
        HttpResponse.BodyHandlers.discarding());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      if (lines.stream().anyMatch(l -> l.contains("\"GET " + marker + " "))) {
        return lines.stream()
            .filter(
                l ->
                    l.matches(
                        ".*\"[A-Z]+ \\S*" + java.util.regex.Pattern.quote(part) + "\\S* HTTP/.*"))
            .count();
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("marker " + marker + " never reached the access log");
  }

  private String url(String path) {
    return "http://" + hostPort() + path;
  }

  /** Pushes an image with an OCI manifest; returns the manifest digest. */
  String push(String repository, String tag, Config c) throws Exception {
    byte[] tar = new byte[1024]; // an empty tar: two zero blocks
    byte[] layer = gzip(tar);
    String layerDigest = blob(repository, layer);
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64").put("os", "linux");
    ObjectNode inner = config.putObject("config");
    if (c.user() != null) {
      inner.put("User", c.user());
    }
    list(inner, "Env", c.env());
    list(inner, "Entrypoint", c.entrypoint());
    list(inner, "Cmd", c.cmd());
    config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(digest(tar));
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = blob(repository, configBytes);
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    manifest
        .putObject("config")
        .put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", configDigest)
        .put("size", configBytes.length);
    manifest
        .putArray("layers")
        .addObject()
        .put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
        .put("digest", layerDigest)
        .put("size", layer.length);
    byte[] body = JSON.writeValueAsBytes(manifest);
    HttpResponse<Void> put =
        send(
            HttpRequest.newBuilder(URI.create(url("/v2/" + repository + "/manifests/" + tag)))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    expect(put, 201, "put manifest " + repository + ":" + tag);
    return digest(body);
  }

  private static void list(ObjectNode node, String field, List<String> values) {
    if (values != null) {
      ArrayNode a = node.putArray(field);
      values.forEach(a::add);
    }
  }

  private String blob(String repository, byte[] data) throws Exception {
    String digest = digest(data);
    HttpResponse<Void> start =
        send(
            HttpRequest.newBuilder(URI.create(url("/v2/" + repository + "/blobs/uploads/")))
                .POST(HttpRequest.BodyPublishers.noBody()));
    expect(start, 202, "start upload");
    URI location =
        URI.create(url("/")).resolve(start.headers().firstValue("Location").orElseThrow());
    String sep = location.getQuery() == null ? "?" : "&";
    HttpResponse<Void> done =
        send(
            HttpRequest.newBuilder(URI.create(location + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
    expect(done, 201, "upload blob");
    return digest;
  }

  private HttpResponse<Void> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding());
  }

  private static void expect(HttpResponse<?> r, int status, String what) {
    if (r.statusCode() != status) {
      throw new IllegalStateException(what + ": HTTP " + r.statusCode());
    }
  }

  static String digest(byte[] data) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
