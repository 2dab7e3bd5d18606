package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.registry.PullSecretCredentials.Kind;
import io.pyhygiene.registry.PullSecretCredentials.PullSecret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PullSecretCredentialsTest {

  private static ImageRef ref(String s) throws Exception {
    return ReferenceNormaliser.normalise(s);
  }

  private static String auth(String user, String password) {
    return "{\"auth\": \""
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))
        + "\"}";
  }

  private static PullSecret json(String name, String auths) {
    return new PullSecret(
        name,
        Kind.DOCKER_CONFIG_JSON,
        ("{\"auths\": {" + auths + "}}").getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "key {0} vs image {1}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      registry.example.com            | registry.example.com/app            | true
      registry.example.com            | registry.example.com:5000/app       | false
      registry.example.com:5000       | registry.example.com:5000/app       | true
      *.example.com                   | registry.example.com/app            | true
      *.example.com                   | example.com/app                     | false
      *.example.com                   | a.b.example.com/app                 | false
      registry.example.com/team       | registry.example.com/team/app       | true
      registry.example.com/team       | registry.example.com/other/app      | false
      registry.example.com/team       | registry.example.com/teamster/app   | true
      docker.io                       | docker.io/library/python            | true
      index.docker.io                 | docker.io/library/python            | false
      reg?stry.example.com            | registry.example.com/app            | true
      [rt]egistry.example.com         | registry.example.com/app            | true
      """)
  void matchesAsTheKubeletKeyring(String key, String image, boolean matches) {
    assertThat(PullSecretCredentials.matches(key, image)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      https://index.docker.io/v1/     | index.docker.io
      index.docker.io/v1/             | index.docker.io
      http://registry:5000            | registry:5000
      https://registry:5000/v2/team   | registry:5000/team
      registry:5000/team              | registry:5000/team
      registry:5000/                  | registry:5000
      """)
  void keysLoseSchemeAndApiVersion(String location, String key) {
    assertThat(PullSecretCredentials.keyOf(location)).isEqualTo(key);
  }

  @Test
  void dockerHubFallsBackToTheIndexEntry() throws Exception {
    PullSecretCredentials c =
        PullSecretCredentials.of(
            List.of(json("ns/hub", "\"https://index.docker.io/v1/\": " + auth("hub", "pw"))));
    assertThat(c.lookup(ref("python:3.12")))
        .containsExactly(RegistryCredential.password("hub", "pw"));
    assertThat(c.lookup(ref("org/app"))).hasSize(1);
    assertThat(c.lookup(ref("ghcr.io/org/app"))).isEmpty();
  }

  @Test
  void moreSpecificKeysFirstAndAllMatchesInOrder() throws Exception {
    PullSecretCredentials c =
        PullSecretCredentials.of(
            List.of(
                json("ns/a", "\"registry.example.com\": " + auth("host", "1")),
                json("ns/b", "\"registry.example.com/team\": " + auth("team", "2"))));
    assertThat(c.lookup(ref("registry.example.com/team/app")))
        .containsExactly(
            RegistryCredential.password("team", "2"), RegistryCredential.password("host", "1"));
    assertThat(c.lookup(ref("registry.example.com/other/app")))
        .containsExactly(RegistryCredential.password("host", "1"));
  }

  @Test
  void legacyDockercfgIsTheAuthsMapItself() throws Exception {
    PullSecret legacy =
        new PullSecret(
            "ns/old",
            Kind.DOCKERCFG,
            ("{\"registry.example.com\": " + auth("old", "pw") + "}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(PullSecretCredentials.of(List.of(legacy)).lookup(ref("registry.example.com/app")))
        .containsExactly(RegistryCredential.password("old", "pw"));
  }

  @Test
  void brokenSecretsAreSkippedAndNamedWithoutContent() throws Exception {
    PullSecretCredentials c =
        PullSecretCredentials.of(
            List.of(
                new PullSecret(
                    "ns/broken",
                    Kind.DOCKER_CONFIG_JSON,
                    "{\"auths\": hunter2".getBytes(StandardCharsets.UTF_8)),
                json("ns/good", "\"registry.example.com\": " + auth("u", "p"))));
    assertThat(c.problems()).containsExactly("ns/broken: not valid JSON");
    assertThat(c.lookup(ref("registry.example.com/app"))).hasSize(1);
    assertThat(c.scope()).isEqualTo("pull-secrets:ns/broken,ns/good");
    assertThat(
            new PullSecret("ns/x", Kind.DOCKERCFG, "hunter2".getBytes(StandardCharsets.UTF_8))
                .toString())
        .doesNotContain("hunter2");
  }
}
