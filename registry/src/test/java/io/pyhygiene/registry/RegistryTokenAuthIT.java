package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.registry.ImageConfigCacheTest.MutableClock;
import io.pyhygiene.registry.PullSecretCredentials.Kind;
import io.pyhygiene.registry.PullSecretCredentials.PullSecret;
import io.pyhygiene.registry.Resolution.Reason;
import io.pyhygiene.registry.Resolution.Resolved;
import io.pyhygiene.registry.Resolution.Unresolved;
import io.pyhygiene.registry.TestImages.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Bearer token flow (a 401 with {@code WWW-Authenticate: Bearer realm=...}, then a token from
 * the realm, anonymous or with Basic credentials) against a docker-registry configured with {@code
 * auth: token} and a token server of the test's own, as Docker Hub and GHCR work.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryTokenAuthIT {

  private static final String USER = "tester";
  private static final String PASSWORD = "loopback-only-token-password";

  @TempDir static Path tmp;

  private TokenServer tokens;
  private TestRegistry registry;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T00:00:00Z"));

  @BeforeAll
  void start() throws Exception {
    tokens = TokenServer.start(tmp, USER, PASSWORD);
    registry =
        TestRegistry.startWithTokens(
            Files.createDirectories(tmp.resolve("registry")),
            tokens,
            tokens.pushToken("public/app", "private/app"));
    TestImages images = new TestImages(registry);
    images.oci("public/app", "1", Spec.of().cmd("uvicorn", "main:app").user("10001"));
    images.oci("private/app", "1", Spec.of().cmd("celery", "-A", "proj", "worker").user("app"));
  }

  @AfterAll
  void stop() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (tokens != null) {
      tokens.close();
    }
  }

  private RegistryResolver resolver(CredentialSource credentials) {
    return new RegistryResolver(
        ResolverOptions.defaults()
            .withClock(clock)
            .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10)),
        credentials,
        RegistryListener.NONE);
  }

  private static PullSecretCredentials hostWithoutPort(String password) {
    return PullSecretCredentials.of(
        List.of(
            new PullSecret(
                "team/regcred",
                Kind.DOCKER_CONFIG_JSON,
                ("{\"auths\": {\"127.0.0.1\": {\"username\": \""
                        + USER
                        + "\", \"password\": \""
                        + password
                        + "\"}}}")
                    .getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void publicRepositoryWithAnAnonymousToken() throws Exception {
    try (RegistryResolver r = resolver(CredentialSource.NONE)) {
      int before = tokens.tokensIssued();
      Resolution res = r.resolve(registry.hostPort() + "/public/app:1");
      assertThat(res)
          .isInstanceOfSatisfying(
              Resolved.class,
              ok -> assertThat(ok.config().cmd()).containsExactly("uvicorn", "main:app"));
      assertThat(tokens.tokensIssued() - before)
          .as("one anonymous token for manifest and config")
          .isEqualTo(1);
    }
  }

  @Test
  void privateRepositoryNeedsCredentials() throws Exception {
    String image = registry.hostPort() + "/private/app:1";
    try (RegistryResolver anonymous = resolver(CredentialSource.NONE)) {
      Resolution res = anonymous.resolve(image);
      assertThat(res)
          .isInstanceOfSatisfying(
              Unresolved.class,
              u -> {
                assertThat(u.reason()).as(u.detail()).isEqualTo(Reason.UNAUTHORIZED);
                assertThat(u.detail()).contains("no credentials");
              });
    }
    // the secret's key names host and port: the kubelet's keyring requires equal ports
    PullSecretCredentials good =
        PullSecretCredentials.of(
            List.of(
                new PullSecret(
                    "team/regcred",
                    Kind.DOCKER_CONFIG_JSON,
                    ("{\"auths\": {\""
                            + registry.hostPort()
                            + "\": {\"username\": \""
                            + USER
                            + "\", \"password\": \""
                            + PASSWORD
                            + "\"}}}")
                        .getBytes(StandardCharsets.UTF_8))));
    try (RegistryResolver operator = resolver(CredentialSource.NONE)) {
      Resolution res = operator.resolve(ResolveRequest.of(image).withCredentials(good));
      assertThat(res)
          .isInstanceOfSatisfying(
              Resolved.class,
              ok -> {
                assertThat(ok.config().cmd()).containsExactly("celery", "-A", "proj", "worker");
                assertThat(ok.config().user()).isEqualTo("app");
              });
    }
    PullSecretCredentials wrongPort = hostWithoutPort(PASSWORD);
    try (RegistryResolver operator = resolver(CredentialSource.NONE)) {
      assertThat(operator.resolve(ResolveRequest.of(image).withCredentials(wrongPort)))
          .as("a key without the port does not match a registry with one, as in the kubelet")
          .isInstanceOfSatisfying(
              Unresolved.class, u -> assertThat(u.detail()).contains("no credentials"));
    }
  }

  @Test
  void refusedCredentialsAreUnauthorizedAndNotEchoed() throws Exception {
    PullSecretCredentials bad =
        PullSecretCredentials.of(
            List.of(
                new PullSecret(
                    "team/stale",
                    Kind.DOCKER_CONFIG_JSON,
                    ("{\"auths\": {\""
                            + registry.hostPort()
                            + "\": {\"username\": \""
                            + USER
                            + "\", \"password\": \"stale-password\"}}}")
                        .getBytes(StandardCharsets.UTF_8))));
    int refusedBefore = tokens.refusals();
    try (RegistryResolver r = resolver(CredentialSource.NONE)) {
      Resolution res =
          r.resolve(ResolveRequest.of(registry.hostPort() + "/private/app:1").withCredentials(bad));
      assertThat(res)
          .isInstanceOfSatisfying(
              Unresolved.class,
              u -> {
                assertThat(u.reason()).as(u.detail()).isEqualTo(Reason.UNAUTHORIZED);
                assertThat(u.detail()).doesNotContain("stale-password", USER);
              });
    }
    assertThat(tokens.refusals() - refusedBefore).isEqualTo(1);

    PullSecretCredentials staleThenGood =
        PullSecretCredentials.of(
            List.of(
                new PullSecret(
                    "team/stale",
                    Kind.DOCKER_CONFIG_JSON,
                    ("{\"auths\": {\""
                            + registry.hostPort()
                            + "/private\": {\"username\": \""
                            + USER
                            + "\", \"password\": \"stale-password\"}}}")
                        .getBytes(StandardCharsets.UTF_8)),
                new PullSecret(
                    "team/regcred",
                    Kind.DOCKER_CONFIG_JSON,
                    ("{\"auths\": {\""
                            + registry.hostPort()
                            + "\": {\"username\": \""
                            + USER
                            + "\", \"password\": \""
                            + PASSWORD
                            + "\"}}}")
                        .getBytes(StandardCharsets.UTF_8))));
    int t0 = tokens.tokensIssued();
    int r0 = tokens.refusals();
    try (RegistryResolver r = resolver(CredentialSource.NONE)) {
      Resolution res =
          r.resolve(
              ResolveRequest.of(registry.hostPort() + "/private/app:1")
                  .withCredentials(staleThenGood));
      assertThat(res)
          .as(
              "the more specific (stale) key first, then the next, as the kubelet tries them"
                  + " (tokens issued %d, refused %d)",
              tokens.tokensIssued() - t0, tokens.refusals() - r0)
          .isInstanceOf(Resolved.class);
    }
  }
}
