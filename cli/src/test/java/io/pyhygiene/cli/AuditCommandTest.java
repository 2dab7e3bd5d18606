package io.pyhygiene.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The audit command's options: what goes together, and what is a usage error (exit 2). */
class AuditCommandTest {

  record Result(int code, String out, String err) {}

  static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(new AuditCommand(new ByteArrayInputStream(new byte[0]), env, false))
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  static Result run(String... args) {
    return run(Map.of("HOME", "/nonexistent"), args);
  }

  @Test
  void filesOrAClusterNeverBothNorNeither() {
    assertThat(run().err()).contains("say what to audit: -f PATH (files) or --cluster");
    assertThat(run("-f", "x.yaml", "--cluster").err())
        .contains("-f and --cluster exclude each other");
    assertThat(run().code()).isEqualTo(2);
  }

  @Test
  void clusterOptionsNeedTheCluster() {
    Result r = run("-f", "x.yaml", "-n", "a", "-l", "app=x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--namespace, --selector only apply with --cluster");
    assertThat(run("--cluster", "-A", "-n", "a").err()).contains("-n and -A exclude each other");
    assertThat(run("--cluster", "-n", "Bad_Name").err())
        .contains("-n Bad_Name: not a namespace name");
    assertThat(run("--cluster", "-l", "a>1").err()).contains("-l: 'a>1': the > and < operators");
  }

  @Test
  void imageOptionsNeedResolution(@TempDir Path dir) throws Exception {
    Path m = dir.resolve("m.yaml");
    Files.writeString(m, "");
    assertThat(run("-f", m.toString(), "--platform", "linux/arm64").err())
        .contains("only apply with --resolve-images");
    assertThat(run("-f", m.toString(), "--resolve-images", "--platform", "arm64").err())
        .contains("--platform: platform must be os/arch[/variant]");
    assertThat(
            run("-f", m.toString(), "--resolve-images", "--insecure-registry", "http://reg:5000")
                .err())
        .contains("--insecure-registry http://reg:5000: expected HOST or HOST:PORT");
    assertThat(
            run(
                    "-f",
                    m.toString(),
                    "--resolve-images",
                    "--registry-config",
                    dir.resolve("no.json").toString())
                .err())
        .contains("no.json: no such file");
    Result ok =
        run(
            "-f",
            m.toString(),
            "--resolve-images",
            "--insecure-registry",
            "reg.internal:5000",
            "--insecure-registry",
            "[::1]:5000",
            "--platform",
            "linux/arm64/v8");
    assertThat(ok.err()).isEmpty();
    assertThat(ok.code()).isZero();
  }

  @Test
  void aMissingKubeconfigOrContextIsNamed(@TempDir Path dir) throws Exception {
    Result none = run(Map.of("HOME", dir.toString()), "--cluster");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err())
        .contains("no kubeconfig: " + dir.resolve(".kube/config") + " does not exist");
    Path kubeconfig = dir.resolve("kc");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: one, context: {cluster: c, user: u}}]
        current-context: one
        """);
    assertThat(run("--cluster", "--kubeconfig", kubeconfig.toString(), "--context", "two").err())
        .contains("--context two: not in " + kubeconfig + " (contexts: one)");
    Result dead = run("--cluster", "--kubeconfig", kubeconfig.toString());
    assertThat(dead.code()).isEqualTo(2);
    assertThat(dead.err())
        .contains("cannot reach the API server at https://127.0.0.1:1/: connection refused");
    // KUBECONFIG is honoured when --kubeconfig is not given
    Result viaEnv =
        run(Map.of("HOME", dir.toString(), "KUBECONFIG", kubeconfig.toString()), "--cluster");
    assertThat(viaEnv.err()).contains("https://127.0.0.1:1/");
  }

  @Test
  void helpGroupsTheOptions() {
    String help = run("--help").out();
    assertThat(help)
        .contains("Input:")
        .contains("Cluster (with --cluster):")
        .contains("Images:")
        .contains("Output:")
        .contains("--resolve-images")
        .contains("--all-namespaces")
        .contains("--insecure-registry=HOST[:PORT]");
  }
}
