package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code audit --resolve-images} against real registries on loopback (Debian's docker-registry):
 * verdicts with and without the image config, the digest used in the reports, each image asked for
 * once, credentials from the Docker config, and {@code image-unresolved} for a 404 and a closed
 * port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageResolutionIT {

  // A made-up password for a registry listening on 127.0.0.1 for the length of this class.
  static final String USER = "cli-tester";
  static final String PASSWORD = "cli-loopback-only-password";
  static final String HTPASSWD =
      "cli-tester:$2y$05$kLdz8429IVHpJZj/RzeuKOeONBnXUWypJqQartnl1dNjTFIsCjCKC";

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;

  LocalRegistry open;
  LocalRegistry secured;
  String shellDigest;
  String unbufferedDigest;
  String nonRootDigest;

  @BeforeAll
  void startRegistries() throws Exception {
    open = LocalRegistry.start(Files.createDirectories(tmp.resolve("open")), null, null, null);
    secured =
        LocalRegistry.start(
            Files.createDirectories(tmp.resolve("secured")), HTPASSWD, USER, PASSWORD);
    shellDigest =
        open.push(
            "shop/python-shell",
            "1",
            new LocalRegistry.Config(
                null, List.of("/bin/sh", "-c", "gunicorn app:app -b 0.0.0.0:8000"), null, null));
    unbufferedDigest =
        open.push(
            "shop/python-unbuffered",
            "1",
            new LocalRegistry.Config(
                null,
                List.of("gunicorn", "app:app"),
                null,
                List.of("PYTHONUNBUFFERED=1", "PYTHON_VERSION=3.12.7")));
    nonRootDigest =
        open.push(
            "shop/python-nonroot",
            "1",
            new LocalRegistry.Config(List.of("gunicorn"), List.of("app:app"), "10001", null));
    secured.push(
        "private/python-app",
        "1",
        new LocalRegistry.Config(
            null, List.of("gunicorn", "app:app"), "10001", List.of("PYTHONUNBUFFERED=1")));
  }

  @AfterAll
  void stopRegistries() throws Exception {
    if (open != null) {
      open.close();
    }
    if (secured != null) {
      secured.close();
    }
  }

  record Result(int code, String out, String err, long millis) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  Result audit(String manifests, Map<String, String> extraEnv, String... args) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "HOME",
                tmp.toString(),
                "DOCKER_CONFIG",
                tmp.resolve("no-docker-config").toString(),
                "PATH",
                System.getenv("PATH")));
    env.putAll(extraEnv);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(
                new AuditCommand(
                    new ByteArrayInputStream(manifests.getBytes(StandardCharsets.UTF_8)),
                    env,
                    false))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("-f", "-", "-o", "json", "--now", "2026-12-02"));
    all.addAll(List.of(args));
    long start = System.nanoTime();
    int code = cli.execute(all.toArray(String[]::new));
    return new Result(
        code, out.toString(), err.toString(), (System.nanoTime() - start) / 1_000_000);
  }

  static String deployment(String name, String image) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: %s, namespace: shop}
        spec:
          template:
            spec:
              containers:
                - name: app
                  image: %s
        ---
        """
        .formatted(name, image);
  }

  static JsonNode workload(JsonNode report, String name) {
    for (JsonNode w : report.path("workloads")) {
      if (w.path("name").asText().equals(name)) {
        return w;
      }
    }
    throw new AssertionError("no workload " + name + " in " + report);
  }

  static List<String> rules(JsonNode workload) {
    List<String> out = new ArrayList<>();
    workload
        .path("findings")
        .forEach(f -> out.add(f.path("rule").asText() + ":" + f.path("severity").asText()));
    return out;
  }

  static JsonNode finding(JsonNode workload, String rule) {
    for (JsonNode f : workload.path("findings")) {
      if (f.path("rule").asText().equals(rule)) {
        return f;
      }
    }
    throw new AssertionError("no " + rule + " in " + workload);
  }

  String threeServices() {
    return deployment("shell", open.hostPort() + "/shop/python-shell:1")
        + deployment("unbuffered", open.hostPort() + "/shop/python-unbuffered:1")
        + deployment("nonroot", open.hostPort() + "/shop/python-nonroot:1")
        + deployment("shell-again", open.hostPort() + "/shop/python-shell:1");
  }

  @Test
  void verdictsChangeWithTheImageConfig() throws Exception {
    JsonNode offline = audit(threeServices(), Map.of()).json();
    // from the manifest alone: the image decides what runs, so nothing is known
    assertThat(rules(workload(offline, "shell")))
        .contains("command-unknown:info")
        .doesNotContain("shell-wrapper:error");
    assertThat(rules(workload(offline, "unbuffered"))).contains("python-unbuffered:warning");
    assertThat(rules(workload(offline, "nonroot"))).contains("run-as-root:warning");
    assertThat(workload(offline, "shell").has("images")).isFalse();

    long before = open.requests("/manifests/");
    Result resolved = audit(threeServices(), Map.of(), "--resolve-images");
    assertThat(resolved.err()).isEmpty();
    JsonNode report = resolved.json();
    // the image's shell-form CMD keeps sh as PID 1 in front of gunicorn
    JsonNode shell = workload(report, "shell");
    assertThat(rules(shell)).contains("shell-wrapper:error").doesNotContain("command-unknown:info");
    assertThat(finding(shell, "shell-wrapper").path("digest").asText()).isEqualTo(shellDigest);
    assertThat(shell.path("images").get(0).path("digest").asText()).isEqualTo(shellDigest);
    // the image sets PYTHONUNBUFFERED=1
    assertThat(rules(workload(report, "unbuffered")))
        .noneMatch(r -> r.startsWith("python-unbuffered"));
    // the image's USER 10001 is not root
    assertThat(rules(workload(report, "nonroot"))).noneMatch(r -> r.startsWith("run-as-root"));
    assertThat(workload(report, "nonroot").path("images").get(0).path("digest").asText())
        .isEqualTo(nonRootDigest);
    // four Deployments, three distinct images: one manifest request each
    assertThat(open.requests("/manifests/") - before).isEqualTo(3);

    JsonNode sarif =
        JSON.readTree(audit(threeServices(), Map.of(), "--resolve-images", "-o", "sarif").out());
    List<String> digests = new ArrayList<>();
    sarif
        .path("runs")
        .get(0)
        .path("results")
        .forEach(r -> digests.add(r.path("properties").path("digest").asText()));
    assertThat(digests).contains(shellDigest, unbufferedDigest, nonRootDigest).doesNotContain("");
  }

  @Test
  void thePolicyFilesImagesSectionTurnsResolutionOn(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path policy = dir.resolve("policy.yaml");
    java.nio.file.Files.writeString(
        policy,
        """
        apiVersion: pyhygiene.io/v1alpha1
        kind: PythonHygienePolicy
        metadata: {name: ci}
        spec:
          images: {resolve: true}
        """);
    JsonNode report =
        audit(
                deployment("shell", open.hostPort() + "/shop/python-shell:1"),
                Map.of(),
                "--policy",
                policy.toString())
            .json();
    assertThat(rules(workload(report, "shell")))
        .contains("shell-wrapper:error")
        .doesNotContain("command-unknown:info");
  }

  @Test
  void aMissingImageAndAClosedPortAreImageUnresolvedAndTheAuditGoesOn() throws Exception {
    int closed = LocalRegistry.freePort();
    Result r =
        audit(
            deployment("missing", open.hostPort() + "/shop/python-missing:1")
                + deployment("down", "127.0.0.1:" + closed + "/shop/python-app:1")
                + deployment("fine", open.hostPort() + "/shop/python-nonroot:1"),
            Map.of(),
            "--resolve-images");
    assertThat(r.code()).isEqualTo(1); // findings, not an input error
    JsonNode report = r.json();
    JsonNode missing = workload(report, "missing");
    assertThat(finding(missing, "image-unresolved").path("message").asText())
        .contains("could not be read (not found (HTTP 404");
    assertThat(finding(missing, "image-unresolved").path("digest").isNull()).isTrue();
    // what the image would have said stays unknown
    assertThat(rules(missing)).contains("command-unknown:info");
    assertThat(missing.path("images").get(0).path("state").asText()).isEqualTo("unresolved");
    assertThat(finding(workload(report, "down"), "image-unresolved").path("message").asText())
        .contains("cannot connect to 127.0.0.1:" + closed);
    assertThat(rules(workload(report, "fine"))).noneMatch(x -> x.startsWith("image-unresolved"));
    // a refused connection fails at once, well inside the resolver's 15 s deadline
    assertThat(r.millis()).isLessThan(15_000);
  }

  @Test
  void credentialsComeFromTheDockerConfig() throws Exception {
    String manifests = deployment("private", secured.hostPort() + "/private/python-app:1");
    JsonNode anonymous = audit(manifests, Map.of(), "--resolve-images").json();
    assertThat(finding(workload(anonymous, "private"), "image-unresolved").path("message").asText())
        .contains("HTTP 401 from " + secured.hostPort())
        .contains("no credentials for " + secured.hostPort() + " were found");

    Path dir = Files.createDirectories(tmp.resolve("docker"));
    Path config = dir.resolve("config.json");
    Files.writeString(
        config,
        "{\"auths\": {\""
            + secured.hostPort()
            + "\": {\"auth\": \""
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))
            + "\"}}}");
    Result explicit =
        audit(manifests, Map.of(), "--resolve-images", "--registry-config", config.toString());
    JsonNode w = workload(explicit.json(), "private");
    assertThat(w.path("images").get(0).path("state").asText()).isEqualTo("resolved");
    assertThat(rules(w))
        .noneMatch(x -> x.startsWith("run-as-root") || x.startsWith("image-unresolved"));
    // the default: $DOCKER_CONFIG/config.json
    Result fromEnv = audit(manifests, Map.of("DOCKER_CONFIG", dir.toString()), "--resolve-images");
    assertThat(workload(fromEnv.json(), "private").path("images").get(0).path("state").asText())
        .isEqualTo("resolved");
    for (Result r : List.of(explicit, fromEnv)) {
      assertThat(r.out() + r.err())
          .doesNotContain(PASSWORD)
          .doesNotContain(
              Base64.getEncoder()
                  .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    }
  }
}
