package io.pyhygiene.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.pyhygiene.testkit.RealCluster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubectl plugin through the real kubectl binary ({@code make tools}' build): installed by
 * {@code scripts/install-kubectl-plugin.sh} (what {@code make kubectl-plugin} runs) into a PREFIX,
 * found by {@code kubectl plugin list}, printing the help with no arguments, and auditing the real
 * control plane with {@code kubectl pyhygiene audit --cluster}. Runs after the jar is packaged
 * (failsafe, in dist).
 */
class KubectlPluginIT {

  @RegisterExtension static final RealCluster cluster = new RealCluster();

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path prefix;

  record Result(int code, String out, String err) {}

  static Path kubectl() throws IOException {
    String version = null;
    for (String line : Files.readAllLines(RealCluster.repoRoot().resolve("e2e/versions.env"))) {
      if (line.startsWith("K8S_VERSION=")) {
        version = line.substring("K8S_VERSION=".length()).replace("\"", "").trim();
      }
    }
    String cache =
        System.getenv()
            .getOrDefault("PYHYGIENE_CACHE", System.getProperty("user.home") + "/.cache/pyhygiene");
    Path kubectl = Path.of(cache, "bin", "kubectl-" + version);
    if (!Files.isExecutable(kubectl)) {
      throw new AssertionError(kubectl + " is missing: run `make tools`");
    }
    return kubectl;
  }

  static Result run(List<String> command, Map<String, String> extraEnv) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.remove("PYHYGIENE_JAR");
    env.put("PATH", prefix.resolve("bin") + ":" + System.getenv("PATH"));
    env.put("KUBECONFIG", RealCluster.kubeconfig().toString());
    env.putAll(extraEnv);
    Path out = Files.createTempFile(prefix, "out", ".txt");
    Path err = Files.createTempFile(prefix, "err", ".txt");
    Process p =
        pb.redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish within 120 s");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  static Result kubectl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(kubectl().toString()));
    command.addAll(List.of(args));
    return run(command, Map.of());
  }

  @BeforeAll
  static void install() throws Exception {
    Path root = RealCluster.repoRoot();
    Result installed =
        run(
            List.of(
                "bash",
                root.resolve("scripts/install-kubectl-plugin.sh").toString(),
                prefix.toString()),
            Map.of("JAR", root.resolve("dist/target/pyhygiene.jar").toString()));
    assertThat(installed.code()).as(installed.err()).isZero();
    assertThat(installed.out()).contains("installed " + prefix.resolve("bin/kubectl-pyhygiene"));
    assertThat(prefix.resolve("share/pyhygiene/pyhygiene.jar")).isRegularFile();
  }

  @Test
  void kubectlFindsThePluginAndItPrintsTheHelpWithNoArguments() throws Exception {
    Result list = kubectl("plugin", "list");
    assertThat(list.out()).contains(prefix.resolve("bin/kubectl-pyhygiene").toString());
    assertThat(list.err()).doesNotContain("warning");

    Result help = kubectl("pyhygiene");
    assertThat(help.code()).isZero();
    assertThat(help.out())
        .contains("Usage: kubectl pyhygiene [-hV] [COMMAND]")
        .contains("audit")
        .contains("rules");
    assertThat(kubectl("pyhygiene", "audit", "--help").out())
        .contains("Usage: kubectl pyhygiene audit")
        .contains("--all-namespaces");
  }

  @Test
  void kubectlPyhygieneAuditsTheCluster() throws Exception {
    String ns = cluster.createNamespace();
    String manifest =
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          replicas: 0
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec:
              containers:
                - {name: app, image: "python:3.12-slim", command: [sh, -c, "gunicorn app:app"]}
        """;
    for (HasMetadata item :
        cluster
            .client()
            .load(new ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8)))
            .items()) {
      cluster.client().resource(item).inNamespace(ns).create();
    }
    Result audit =
        kubectl("pyhygiene", "audit", "--cluster", "-n", ns, "-o", "json", "--now", "2026-12-02");
    assertThat(audit.code()).as(audit.err()).isEqualTo(1);
    JsonNode report = JSON.readTree(audit.out());
    assertThat(report.path("workloads")).hasSize(1);
    JsonNode api = report.path("workloads").get(0);
    assertThat(api.path("name").asText()).isEqualTo("api");
    assertThat(api.path("namespace").asText()).isEqualTo(ns);
    assertThat(api.toString()).contains("\"shell-wrapper\"");

    // a usage error is exit 2 with the reason
    Result usage = kubectl("pyhygiene", "audit", "--cluster", "-A", "-n", ns);
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("-n and -A exclude each other");
  }

  @Test
  void withoutTheJarTheLauncherSaysWhatToDo() throws Exception {
    Path lonely = Files.createDirectories(prefix.resolve("elsewhere/bin"));
    Path launcher =
        Files.copy(
            RealCluster.repoRoot().resolve("bin/kubectl-pyhygiene"),
            lonely.resolve("kubectl-pyhygiene"));
    Map<String, String> env = new HashMap<>();
    env.put("PYHYGIENE_JAR", prefix.resolve("missing.jar").toString());
    Result r = run(List.of(launcher.toString()), env);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("pyhygiene.jar not found").contains("make kubectl-plugin");
  }
}
