package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pyhygiene.registry.CredentialSource.CredentialException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigCredentialsTest {

  @TempDir Path dir;

  private static ImageRef ref(String s) throws Exception {
    return ReferenceNormaliser.normalise(s);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private DockerConfigCredentials config(String json) throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, json);
    return new DockerConfigCredentials(file, dir.resolve("bin").toString(), Duration.ofSeconds(5));
  }

  @Test
  void authIsBase64UserColonPasswordSplitAtTheFirstColon() throws Exception {
    DockerConfigCredentials c =
        config(
            "{\"auths\": {\"registry.example.com:5000\": {\"auth\": \""
                + b64("alice:pa:ss")
                + "\"}}}");
    assertThat(c.lookup(ref("registry.example.com:5000/team/app")))
        .containsExactly(RegistryCredential.password("alice", "pa:ss"));
    assertThat(c.lookup(ref("registry.example.com/team/app")))
        .as("another port is another host")
        .isEmpty();
    assertThat(c.lookup(ref("other.example.com:5000/app"))).isEmpty();
  }

  @Test
  void usernameAndPasswordFieldsAndSchemesAndPathsInKeys() throws Exception {
    DockerConfigCredentials c =
        config(
            """
        {"auths": {"https://registry.example.com/v2/": {"username": "bob", "password": "pw"}}}""");
    assertThat(c.lookup(ref("registry.example.com/app")))
        .containsExactly(RegistryCredential.password("bob", "pw"));
  }

  @Test
  void identityTokenWinsOverAuth() throws Exception {
    DockerConfigCredentials c =
        config(
            "{\"auths\": {\"registry.example.com\": {\"auth\": \""
                + b64("alice:pw")
                + "\", \"identitytoken\": \"refresh-me\"}}}");
    assertThat(c.lookup(ref("registry.example.com/app")))
        .containsExactly(RegistryCredential.identityToken("refresh-me"));
  }

  @Test
  void dockerHubUnderAnyOfItsNames() throws Exception {
    for (String key :
        List.of(
            "https://index.docker.io/v1/",
            "index.docker.io",
            "docker.io",
            "registry-1.docker.io",
            "https://index.docker.io/v2/")) {
      DockerConfigCredentials c =
          config("{\"auths\": {\"" + key + "\": {\"auth\": \"" + b64("hub:pw") + "\"}}}");
      assertThat(c.lookup(ref("python:3.12")))
          .as(key)
          .containsExactly(RegistryCredential.password("hub", "pw"));
      assertThat(c.lookup(ref("org/app"))).as(key).hasSize(1);
      assertThat(c.lookup(ref("ghcr.io/org/app"))).as(key).isEmpty();
    }
  }

  @Test
  void missingFileMeansNoCredentialsAndBrokenFileSaysWhereNotWhat() throws Exception {
    DockerConfigCredentials missing =
        new DockerConfigCredentials(dir.resolve("nope.json"), "", Duration.ofSeconds(1));
    assertThat(missing.lookup(ref("python"))).isEmpty();
    DockerConfigCredentials broken = config("{\"auths\": {\"x\": {\"auth\": \"c2VjcmV0\"");
    assertThatThrownBy(() -> broken.lookup(ref("python")))
        .isInstanceOf(CredentialException.class)
        .hasMessageContaining("config.json")
        .hasMessageContaining("not valid JSON")
        .hasMessageNotContaining("c2VjcmV0");
  }

  @Test
  void environmentPicksDockerConfigThenHome() throws Exception {
    assertThat(
            DockerConfigCredentials.fromEnvironment(
                    Map.of("DOCKER_CONFIG", "/etc/dc", "HOME", "/home/u"))
                .file())
        .isEqualTo(Path.of("/etc/dc/config.json"));
    assertThat(DockerConfigCredentials.fromEnvironment(Map.of("HOME", "/home/u")).file())
        .isEqualTo(Path.of("/home/u/.docker/config.json"));
  }

  /**
   * A credential helper as Docker runs it: {@code get}, server on stdin, JSON or "not found" on
   * stdout.
   */
  private void helper(String name, String body) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path script = bin.resolve("docker-credential-" + name);
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static final String TEST_HELPER =
      """
      [ "$1" = get ] || exit 2
      read -r server
      case "$server" in
        registry.example.com:5000) echo '{"ServerURL":"registry.example.com:5000","Username":"carol","Secret":"from-helper"}' ;;
        https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"hub-token"}' ;;
        *) echo 'credentials not found in native keychain'; exit 1 ;;
      esac""";

  @Test
  void credHelpersByServerKeyAsDockerCallsThem() throws Exception {
    helper("test", TEST_HELPER);
    DockerConfigCredentials c =
        config(
            """
        {"auths": {"registry.example.com:5000": {"auth": "aWdub3JlZDppZ25vcmVk"}},
         "credHelpers": {"registry.example.com:5000": "test", "https://index.docker.io/v1/": "test"}}""");
    assertThat(c.lookup(ref("registry.example.com:5000/app")))
        .as("a helper's answer wins over auths")
        .containsExactly(RegistryCredential.password("carol", "from-helper"));
    assertThat(c.lookup(ref("python")))
        .as("<token> is an identity token")
        .containsExactly(RegistryCredential.identityToken("hub-token"));
  }

  @Test
  void credsStoreForEveryRegistryAndNotFoundIsNone() throws Exception {
    helper("test", TEST_HELPER);
    DockerConfigCredentials c = config("{\"credsStore\": \"test\"}");
    assertThat(c.lookup(ref("registry.example.com:5000/app"))).hasSize(1);
    assertThat(c.lookup(ref("ghcr.io/org/app"))).isEmpty();
  }

  @Test
  void aFailingOrMissingHelperIsAnErrorThatQuotesNoOutput() throws Exception {
    helper("broken", "echo 'password=hunter2'; exit 3");
    DockerConfigCredentials broken = config("{\"credsStore\": \"broken\"}");
    assertThatThrownBy(() -> broken.lookup(ref("registry.example.com/app")))
        .isInstanceOf(CredentialException.class)
        .hasMessage("docker-credential-broken get exited 3");
    DockerConfigCredentials missing =
        config("{\"credHelpers\": {\"registry.example.com\": \"absent\"}}");
    assertThatThrownBy(() -> missing.lookup(ref("registry.example.com/app")))
        .isInstanceOf(CredentialException.class)
        .hasMessageContaining("docker-credential-absent not found on PATH");
  }

  @Test
  void aHungHelperIsKilledAtItsTimeout() throws Exception {
    helper("slow", "exec sleep 30");
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"credsStore\": \"slow\"}");
    DockerConfigCredentials c =
        new DockerConfigCredentials(file, dir.resolve("bin").toString(), Duration.ofMillis(300));
    long start = System.nanoTime();
    assertThatThrownBy(() -> c.lookup(ref("registry.example.com/app")))
        .isInstanceOf(CredentialException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void credentialsNeverPrint() throws Exception {
    assertThat(RegistryCredential.password("alice", "s3cret").toString())
        .doesNotContain("alice", "s3cret");
    assertThat(config("{}").toString()).doesNotContain("auth");
  }
}
