package io.pyhygiene.registry;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real registry for the ITs: Debian's {@code docker-registry} (distribution 2.8) on a free
 * loopback port, storage in a temp dir, optionally behind htpasswd basic auth. Its access log (one
 * line per request, written by the registry itself) is how tests count requests.
 */
public final class TestRegistry implements AutoCloseable {

  /** One line of distribution's combined access log. */
  public record Request(String method, String path, int status) {}

  private static final Pattern ACCESS =
      Pattern.compile("^\\S+ - \\S+ \\[[^]]+] \"([A-Z]+) (\\S+) HTTP/[0-9.]+\" (\\d{3}) .*");
  private static final AtomicInteger MARKS = new AtomicInteger();

  private final Process process;
  private final Path log;
  private final int port;
  private final String pushAuthorization;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private TestRegistry(Process process, Path log, int port, String pushAuthorization) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.pushAuthorization = pushAuthorization;
  }

  /** The registry binary; the ITs fail (never skip) without it. */
  public static Path binary() {
    String explicit = System.getenv("PYHYGIENE_DOCKER_REGISTRY");
    if (explicit != null && !explicit.isEmpty()) {
      if (!Files.isExecutable(Path.of(explicit))) {
        throw new IllegalStateException(
            "PYHYGIENE_DOCKER_REGISTRY=" + explicit + " is not an executable");
      }
      return Path.of(explicit);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "docker-registry");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "docker-registry is not installed (Debian package docker-registry,"
            + " distribution 2.8): run `make test-deps` (scripts/test-deps.sh installs it), or point"
            + " PYHYGIENE_DOCKER_REGISTRY at the binary");
  }

  /**
   * Starts a registry. With {@code htpasswdLine} (user:bcrypt-hash) every request needs basic auth;
   * distribution 2.8 accepts it over plain HTTP, so no TLS is needed on loopback.
   */
  public static TestRegistry start(Path dir, String htpasswdLine, String user, String password)
      throws Exception {
    String authYaml = null;
    if (htpasswdLine != null) {
      Path htpasswd = dir.resolve("htpasswd");
      Files.writeString(htpasswd, htpasswdLine + "\n");
      authYaml =
          """
          auth:
            htpasswd:
              realm: pyhygiene-test
              path: %s
          """
              .formatted(htpasswd);
    }
    String push =
        user == null
            ? null
            : "Basic "
                + java.util.Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return start(dir, authYaml, push);
  }

  /** A registry behind a token server: Bearer auth, as hosted registries do it. */
  static TestRegistry startWithTokens(Path dir, TokenServer tokens, String pushToken)
      throws Exception {
    String authYaml =
        """
        auth:
          token:
            realm: %s
            service: %s
            issuer: %s
            rootcertbundle: %s
        """
            .formatted(
                tokens.realm(), TokenServer.SERVICE, TokenServer.ISSUER, tokens.rootCertBundle());
    return start(dir, authYaml, "Bearer " + pushToken);
  }

  private static TestRegistry start(Path dir, String authYaml, String pushAuthorization)
      throws Exception {
    Path binary = binary();
    int port = freePort();
    StringBuilder config =
        new StringBuilder(
            """
        version: 0.1
        log:
          level: info
          formatter: text
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        """
                .formatted(dir.resolve("data"), port));
    if (authYaml != null) {
      config.append(authYaml);
    }
    Path configFile = dir.resolve("config.yml");
    Files.writeString(configFile, config);
    Path log = dir.resolve("registry.log");
    Process p =
        new ProcessBuilder(binary.toString(), "serve", configFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    TestRegistry registry = new TestRegistry(p, log, port, pushAuthorization);
    registry.awaitReady();
    return registry;
  }

  /** A loopback port nothing listens on (bound, then released): a registry that is down. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** Waits until {@code GET /v2/} answers (200, or 401 behind auth), for at most 20 s. */
  private void awaitReady() throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < until) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "docker-registry exited " + process.exitValue() + ":\n" + tail());
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
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(
        "docker-registry did not answer on port " + port + " within 20 s:\n" + tail());
  }

  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public String url(String path) {
    return "http://" + hostPort() + path;
  }

  /** The Authorization header value for pushes, or null. */
  String pushAuthorization() {
    return pushAuthorization;
  }

  /**
   * Writes a marker request into the access log and waits until the registry has logged it; every
   * request the registry served before the marker is then in the log. Returns the marker.
   */
  public String mark() throws Exception {
    String marker = "/v2/?mark=" + MARKS.incrementAndGet();
    http.send(
        HttpRequest.newBuilder(URI.create(url(marker))).build(),
        HttpResponse.BodyHandlers.discarding());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      if (requests().stream().anyMatch(r -> r.path().equals(marker))) {
        return marker;
      }
      Thread.sleep(10);
    }
    throw new IllegalStateException("marker " + marker + " never reached the access log");
  }

  /** The requests the registry logged between two markers (markers excluded). */
  public List<Request> between(String fromMarker, String toMarker) throws IOException {
    List<Request> all = requests();
    List<Request> out = new ArrayList<>();
    boolean inside = false;
    for (Request r : all) {
      if (r.path().equals(fromMarker)) {
        inside = true;
      } else if (r.path().equals(toMarker)) {
        return out;
      } else if (inside) {
        out.add(r);
      }
    }
    throw new IllegalStateException("markers not found in order: " + fromMarker + ", " + toMarker);
  }

  /** Every request in the access log so far. */
  public List<Request> requests() throws IOException {
    List<Request> out = new ArrayList<>();
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      Matcher m = ACCESS.matcher(line);
      if (m.matches()) {
        out.add(new Request(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
      }
    }
    return out;
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
