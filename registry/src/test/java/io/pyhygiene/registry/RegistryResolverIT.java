package io.pyhygiene.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.pyhygiene.registry.ImageConfigCacheTest.MutableClock;
import io.pyhygiene.registry.PullSecretCredentials.Kind;
import io.pyhygiene.registry.PullSecretCredentials.PullSecret;
import io.pyhygiene.registry.Resolution.Reason;
import io.pyhygiene.registry.Resolution.Resolved;
import io.pyhygiene.registry.Resolution.Unresolved;
import io.pyhygiene.registry.TestImages.Pushed;
import io.pyhygiene.registry.TestImages.Spec;
import io.pyhygiene.registry.TestRegistry.Request;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The resolver against real registries (Debian's docker-registry, distribution 2.8) on loopback,
 * with images written through the distribution API. Request counts come from the registry's own
 * access log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryResolverIT {

  // A made-up password for a registry that listens on 127.0.0.1 for the length of this class.
  private static final String USER = "tester";
  private static final String PASSWORD = "loopback-only-test-password";
  private static final String HTPASSWD =
      "tester:$2y$05$WBfteUZlY0nAwWnCjqqBVOcUhWJMxasw7Tx8C9K60EXOceX2yd9GG";

  @TempDir static Path tmp;

  private TestRegistry open;
  private TestRegistry secured;
  private Pushed exec;
  private Pushed shell;
  private Pushed amd64;
  private Pushed arm64;
  private Pushed multi;
  private Pushed list;
  private final List<RegistryResolver> resolvers = new ArrayList<>();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T00:00:00Z"));

  @BeforeAll
  void startRegistriesAndPushImages() throws Exception {
    open = TestRegistry.start(Files.createDirectories(tmp.resolve("open")), null, null, null);
    secured =
        TestRegistry.start(
            Files.createDirectories(tmp.resolve("secured")), HTPASSWD, USER, PASSWORD);
    TestImages images = new TestImages(open);
    exec =
        images.oci(
            "app/exec",
            "1",
            Spec.of()
                .entrypoint("gunicorn")
                .cmd("app:app", "-b", "0.0.0.0:8000")
                .user("10001")
                .env("PATH=/usr/local/bin:/usr/bin", "PYTHONUNBUFFERED=1", "PYTHON_VERSION=3.12.7")
                .workingDir("/app")
                .labels(Map.of("org.opencontainers.image.title", "exec")));
    shell =
        images.docker(
            "app/shell",
            "1",
            Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app --timeout 60").stopSignal("SIGINT"));
    images.oci("app/users", "unset", Spec.of().cmd("python", "app.py"));
    images.oci("app/users", "zero", Spec.of().user("0"));
    images.oci("app/users", "numeric", Spec.of().user("10001"));
    images.oci("app/users", "named", Spec.of().user("app"));
    images.oci("app/users", "named-group", Spec.of().user("app:app"));
    amd64 = images.oci("app/multi", "amd64-only", Spec.of().cmd("python", "amd64.py").user("1000"));
    arm64 =
        images.oci(
            "app/multi",
            "arm64-only",
            Spec.of().platform("linux", "arm64", "v8").cmd("python", "arm64.py").user("2000"));
    multi = images.index("app/multi", "1", TestImages.OCI_INDEX, List.of(arm64, amd64), Map.of());
    Pushed dockerAmd64 = images.docker("app/list", "amd64-only", Spec.of().cmd("celery", "worker"));
    Pushed dockerArm =
        images.docker(
            "app/list", "arm-only", Spec.of().platform("linux", "arm", "v7").cmd("celery", "arm"));
    list =
        images.index(
            "app/list", "1", TestImages.DOCKER_LIST, List.of(dockerArm, dockerAmd64), Map.of());
    new TestImages(secured)
        .oci("private/app", "1", Spec.of().cmd("python", "-m", "private").user("10001"));
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

  @AfterEach
  void closeResolvers() {
    resolvers.forEach(RegistryResolver::close);
    resolvers.clear();
  }

  private ResolverOptions options() {
    return ResolverOptions.defaults()
        .withClock(clock)
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5));
  }

  private RegistryResolver resolver(
      ResolverOptions options, CredentialSource credentials, RegistryListener listener) {
    RegistryResolver r = new RegistryResolver(options, credentials, listener);
    resolvers.add(r);
    return r;
  }

  private RegistryResolver resolver() {
    return resolver(options(), CredentialSource.NONE, RegistryListener.NONE);
  }

  private static ImageConfig config(Resolution r) {
    assertThat(r).isInstanceOf(Resolved.class);
    return ((Resolved) r).config();
  }

  private static Unresolved failure(Resolution r, Reason reason) {
    assertThat(r)
        .isInstanceOfSatisfying(
            Unresolved.class, u -> assertThat(u.reason()).as(u.detail()).isEqualTo(reason));
    return (Unresolved) r;
  }

  @Test
  void execFormOciImage() {
    ImageConfig c = config(resolver().resolve(open.hostPort() + "/app/exec:1"));
    assertThat(c.reference()).isEqualTo(open.hostPort() + "/app/exec:1");
    assertThat(c.digest()).isEqualTo(exec.digest());
    assertThat(c.manifestDigest()).isEqualTo(exec.digest());
    assertThat(c.platform()).isEqualTo("linux/amd64");
    assertThat(c.entrypoint()).containsExactly("gunicorn");
    assertThat(c.cmd()).containsExactly("app:app", "-b", "0.0.0.0:8000");
    assertThat(c.user()).isEqualTo("10001");
    assertThat(c.env()).contains("PYTHONUNBUFFERED=1", "PYTHON_VERSION=3.12.7");
    assertThat(c.workingDir()).isEqualTo("/app");
    assertThat(c.stopSignal()).isEmpty();
    assertThat(c.labels()).containsEntry("org.opencontainers.image.title", "exec");
  }

  @Test
  void shellFormDockerV22ImageWithStopSignal() {
    ImageConfig c = config(resolver().resolve(open.hostPort() + "/app/shell:1"));
    assertThat(c.digest()).isEqualTo(shell.digest());
    assertThat(c.entrypoint()).isEmpty();
    assertThat(c.cmd()).containsExactly("/bin/sh", "-c", "gunicorn app:app --timeout 60");
    assertThat(c.user()).as("no USER: root").isEmpty();
    assertThat(c.stopSignal()).isEqualTo("SIGINT");
  }

  @ParameterizedTest(name = "USER {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      unset       | ''
      zero        | 0
      numeric     | 10001
      named       | app
      named-group | app:app
      """)
  void userAsWritten(String tag, String user) {
    assertThat(config(resolver().resolve(open.hostPort() + "/app/users:" + tag)).user())
        .isEqualTo(user);
  }

  @Test
  void ociIndexPicksLinuxAmd64OrTheRequestedPlatform() {
    RegistryResolver r = resolver();
    ImageConfig def = config(r.resolve(open.hostPort() + "/app/multi:1"));
    assertThat(def.digest()).as("what a pod would pin: the index").isEqualTo(multi.digest());
    assertThat(def.manifestDigest()).isEqualTo(amd64.digest());
    assertThat(def.cmd()).containsExactly("python", "amd64.py");
    assertThat(def.platform()).isEqualTo("linux/amd64");

    ImageConfig arm =
        config(
            r.resolve(
                ResolveRequest.of(open.hostPort() + "/app/multi:1")
                    .withPlatform(Platform.parse("linux/arm64"))));
    assertThat(arm.digest()).isEqualTo(multi.digest());
    assertThat(arm.manifestDigest()).isEqualTo(arm64.digest());
    assertThat(arm.cmd()).containsExactly("python", "arm64.py");
    assertThat(arm.user()).isEqualTo("2000");
    assertThat(arm.platform()).isEqualTo("linux/arm64/v8");

    Unresolved none =
        failure(
            r.resolve(
                ResolveRequest.of(open.hostPort() + "/app/multi:1")
                    .withPlatform(Platform.parse("linux/s390x"))),
            Reason.NO_PLATFORM);
    assertThat(none.detail()).contains("linux/s390x", "linux/arm64", "linux/amd64");
  }

  @Test
  void dockerManifestListAndAResolverWidePlatform() {
    ImageConfig c = config(resolver().resolve(open.hostPort() + "/app/list:1"));
    assertThat(c.cmd()).containsExactly("celery", "worker");
    assertThat(c.digest()).isEqualTo(list.digest());
    RegistryResolver armResolver =
        resolver(
            options().withPlatform(Platform.parse("linux/arm/v7")),
            CredentialSource.NONE,
            RegistryListener.NONE);
    assertThat(config(armResolver.resolve(open.hostPort() + "/app/list:1")).cmd())
        .containsExactly("celery", "arm");
    failure(
        armResolver.resolve(
            ResolveRequest.of(open.hostPort() + "/app/list:1")
                .withPlatform(Platform.parse("linux/arm/v6"))),
        Reason.NO_PLATFORM);
  }

  @Test
  void digestReferences() {
    RegistryResolver r = resolver();
    ImageConfig byDigest = config(r.resolve(open.hostPort() + "/app/exec@" + exec.digest()));
    assertThat(byDigest.digest()).isEqualTo(exec.digest());
    assertThat(byDigest.reference()).isEqualTo(open.hostPort() + "/app/exec@" + exec.digest());
    assertThat(config(r.resolve(open.hostPort() + "/app/exec:ignored@" + exec.digest())).user())
        .isEqualTo("10001");
    failure(r.resolve(open.hostPort() + "/app/exec@sha256:" + "0".repeat(64)), Reason.NOT_FOUND);
  }

  @Test
  void notFoundAndInvalid() {
    RegistryResolver r = resolver();
    assertThat(failure(r.resolve(open.hostPort() + "/app/exec:nope"), Reason.NOT_FOUND).detail())
        .contains("404", "MANIFEST_UNKNOWN");
    assertThat(failure(r.resolve(open.hostPort() + "/nobody/here:1"), Reason.NOT_FOUND).detail())
        .contains("404");
    failure(r.resolve(open.hostPort() + "/App:1"), Reason.INVALID_REFERENCE);
  }

  @Test
  void basicAuthWithoutCredentialsIsUnauthorizedAndWithThemResolves() throws Exception {
    String image = secured.hostPort() + "/private/app:1";
    Unresolved anonymous = failure(resolver().resolve(image), Reason.UNAUTHORIZED);
    assertThat(anonymous.detail()).contains("401", "no credentials");

    Path dockerConfig = tmp.resolve("docker/config.json");
    Files.createDirectories(dockerConfig.getParent());
    Files.writeString(
        dockerConfig,
        "{\"auths\": {\""
            + secured.hostPort()
            + "\": {\"auth\": \""
            + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))
            + "\"}}}");
    RegistryResolver cli =
        resolver(options(), DockerConfigCredentials.fromFile(dockerConfig), RegistryListener.NONE);
    ImageConfig c = config(cli.resolve(image));
    assertThat(c.cmd()).containsExactly("python", "-m", "private");

    PullSecret secret =
        new PullSecret(
            "team/regcred",
            Kind.DOCKER_CONFIG_JSON,
            ("{\"auths\": {\"http://"
                    + secured.hostPort()
                    + "\": {\"username\": \""
                    + USER
                    + "\", \"password\": \""
                    + PASSWORD
                    + "\"}}}")
                .getBytes(StandardCharsets.UTF_8));
    RegistryResolver operator = resolver();
    assertThat(
            config(
                    operator.resolve(
                        ResolveRequest.of(image)
                            .withCredentials(PullSecretCredentials.of(List.of(secret)))))
                .user())
        .isEqualTo("10001");

    PullSecret wrong =
        new PullSecret(
            "team/stale",
            Kind.DOCKER_CONFIG_JSON,
            ("{\"auths\": {\""
                    + secured.hostPort()
                    + "\": {\"username\": \""
                    + USER
                    + "\", \"password\": \"expired\"}}}")
                .getBytes(StandardCharsets.UTF_8));
    Unresolved refused =
        failure(
            resolver()
                .resolve(
                    ResolveRequest.of(image)
                        .withCredentials(PullSecretCredentials.of(List.of(wrong)))),
            Reason.UNAUTHORIZED);
    assertThat(refused.detail())
        .contains("1 credential was refused")
        .doesNotContain(PASSWORD, "expired");

    // the stale secret first, the good one second: tried in turn, as the kubelet does
    assertThat(
            resolver()
                .resolve(
                    ResolveRequest.of(image)
                        .withCredentials(PullSecretCredentials.of(List.of(wrong, secret))))
                .isResolved())
        .isTrue();
  }

  @Test
  void registryDownIsUnreachableAtOnce() throws Exception {
    int closedPort = TestRegistry.freePort();
    long start = System.nanoTime();
    Unresolved down =
        failure(
            patientResolver(Set.of()).resolve("127.0.0.1:" + closedPort + "/app:1"),
            Reason.UNREACHABLE);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("no retries")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(down.detail()).contains("cannot connect to 127.0.0.1:" + closedPort);
  }

  @Test
  void silentRegistryTimesOutWithinTheBoundAndFreesTheWorker() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      // one worker thread: the resolve after the timeout proves the stuck request was ended
      RegistryResolver r =
          resolver(
              options()
                  .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3))
                  .withExecutor(1, 8),
              CredentialSource.NONE,
              RegistryListener.NONE);
      long start = System.nanoTime();
      Unresolved slow = failure(r.resolve(silent.hostPort() + "/app:1"), Reason.TIMEOUT);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      // the request timeout ends it (1 s); the deadline (3 s) bounds it whatever the machine's load
      assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofMillis(3500));
      assertThat(slow.detail()).contains("no answer from " + silent.hostPort());
      assertThat(silent.connections()).isGreaterThanOrEqualTo(1);

      long next = System.nanoTime();
      assertThat(r.resolve(open.hostPort() + "/app/exec:1").isResolved()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - next)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void cacheHitsMakeNoRequestAndATagIsRecheckedAfterItsTtl() throws Exception {
    RegistryStats stats = new RegistryStats(16);
    RegistryResolver r =
        resolver(
            options().withTtls(Duration.ofMinutes(5), Duration.ofSeconds(30)),
            CredentialSource.NONE,
            stats);
    String image = open.hostPort() + "/app/exec:1";

    String m0 = open.mark();
    assertThat(r.resolve(image).isResolved()).isTrue();
    String m1 = open.mark();
    assertThat(paths(open.between(m0, m1)))
        .containsExactly(
            "GET /v2/app/exec/manifests/1 200",
            "GET /v2/app/exec/blobs/" + exec.configDigest() + " 200");

    Resolution again = r.resolve(image);
    Resolution byDigest = r.resolve(open.hostPort() + "/app/exec@" + exec.digest());
    String m2 = open.mark();
    assertThat(open.between(m1, m2))
        .as("same tag within its TTL, and its digest: from the cache")
        .isEmpty();
    assertThat(((Resolved) again).fromCache()).isTrue();
    assertThat(((Resolved) byDigest).fromCache()).isTrue();

    clock.advance(Duration.ofMinutes(5));
    Resolution rechecked = r.resolve(image);
    String m3 = open.mark();
    assertThat(paths(open.between(m2, m3)))
        .as("one manifest request, config from the digest cache")
        .containsExactly("GET /v2/app/exec/manifests/1 200");
    assertThat(((Resolved) rechecked).fromCache()).isFalse();
    assertThat(((Resolved) rechecked).config().digest()).isEqualTo(exec.digest());

    assertThat(stats.counts(open.hostPort()))
        .satisfies(
            c -> {
              assertThat(c.hits()).isEqualTo(2);
              assertThat(c.misses()).isEqualTo(2);
              assertThat(c.resolved()).isEqualTo(2);
            });
  }

  @Test
  void aMovedTagYieldsTheNewDigestAfterTheTtl() throws Exception {
    TestImages images = new TestImages(open);
    Pushed before = images.oci("app/moving", "1", Spec.of().cmd("python", "v1.py"));
    List<String> moves = new java.util.concurrent.CopyOnWriteArrayList<>();
    RegistryResolver r =
        resolver(
            options().withTtls(Duration.ofMinutes(5), Duration.ofSeconds(30)),
            CredentialSource.NONE,
            new RegistryListener() {
              @Override
              public void tagMoved(String reference, String previousDigest, String digest) {
                moves.add(reference + " " + previousDigest + " -> " + digest);
              }
            });
    String image = open.hostPort() + "/app/moving:1";
    assertThat(config(r.resolve(image)).digest()).isEqualTo(before.digest());

    Pushed after = images.oci("app/moving", "1", Spec.of().cmd("python", "v2.py"));
    assertThat(after.digest()).isNotEqualTo(before.digest());
    String m0 = open.mark();
    assertThat(config(r.resolve(image)).digest())
        .as("within the TTL: the cached digest")
        .isEqualTo(before.digest());
    String m1 = open.mark();
    assertThat(open.between(m0, m1)).isEmpty();

    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    ImageConfig moved = config(r.resolve(image));
    String m2 = open.mark();
    assertThat(moved.digest()).isEqualTo(after.digest());
    assertThat(moved.cmd()).containsExactly("python", "v2.py");
    assertThat(paths(open.between(m1, m2)))
        .hasSize(2)
        .first()
        .isEqualTo("GET /v2/app/moving/manifests/1 200");
    assertThat(moves).containsExactly(image + " " + before.digest() + " -> " + after.digest());
  }

  @Test
  void cachedOnlyNeverAsksTheRegistry() throws Exception {
    RegistryResolver r =
        resolver(
            options().withTtls(Duration.ofMinutes(5), Duration.ofSeconds(30)),
            CredentialSource.NONE,
            RegistryListener.NONE);
    String image = open.hostPort() + "/app/shell:1";
    String m0 = open.mark();
    failure(r.cachedOnly(image), Reason.NOT_CACHED);
    String m1 = open.mark();
    assertThat(open.between(m0, m1)).isEmpty();

    Instant resolvedAt = clock.instant();
    assertThat(r.resolve(image).isResolved()).isTrue();
    String m2 = open.mark();
    clock.advance(Duration.ofHours(1));
    Resolution stale = r.cachedOnly(image);
    String m3 = open.mark();
    assertThat(open.between(m2, m3)).isEmpty();
    assertThat(stale)
        .isInstanceOfSatisfying(
            Resolved.class,
            s -> {
              assertThat(s.fromCache()).isTrue();
              assertThat(s.confirmedAt())
                  .as("says how old the tag's digest is")
                  .isEqualTo(resolvedAt);
              assertThat(s.config().stopSignal()).isEqualTo("SIGINT");
            });
  }

  @Test
  void failuresAreCachedForTheNegativeTtl() throws Exception {
    RegistryResolver r =
        resolver(
            options().withTtls(Duration.ofMinutes(5), Duration.ofSeconds(30)),
            CredentialSource.NONE,
            RegistryListener.NONE);
    String image = open.hostPort() + "/app/exec:missing";
    String m0 = open.mark();
    failure(r.resolve(image), Reason.NOT_FOUND);
    failure(r.resolve(image), Reason.NOT_FOUND);
    String m1 = open.mark();
    assertThat(open.between(m0, m1)).hasSize(1);
    clock.advance(Duration.ofSeconds(30));
    failure(r.resolve(image), Reason.NOT_FOUND);
    String m2 = open.mark();
    assertThat(open.between(m1, m2)).hasSize(1);
  }

  @Test
  void concurrentResolvesOfOneImageShareOneConversation() throws Exception {
    RegistryResolver r = resolver();
    String image = open.hostPort() + "/app/users:numeric";
    String m0 = open.mark();
    List<CompletableFuture<Resolution>> futures = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      futures.add(r.resolveAsync(ResolveRequest.of(image)));
    }
    for (CompletableFuture<Resolution> f : futures) {
      assertThat(config(f.join()).user()).isEqualTo("10001");
    }
    String m1 = open.mark();
    assertThat(open.between(m0, m1)).hasSize(2);
  }

  @Test
  void unknownManifestFieldsAreIgnoredAsTheOciSpecSays() throws Exception {
    // OCI 1.1 lets index descriptors carry "artifactType"; plain jib-core 0.27.3 fails on it
    // (jib issue 4506). JibRegistrySession makes jib's parser ignore unknown fields.
    assertThat(JibRegistrySession.LENIENT_MANIFESTS).isTrue();
    Pushed withArtifactType =
        new TestImages(open)
            .index(
                "app/multi",
                "artifact-type",
                TestImages.OCI_INDEX,
                List.of(amd64),
                Map.of("artifactType", "application/vnd.example+type", "data", ""));
    ImageConfig c = config(resolver().resolve(open.hostPort() + "/app/multi:artifact-type"));
    assertThat(c.digest()).isEqualTo(withArtifactType.digest());
    assertThat(c.cmd()).containsExactly("python", "amd64.py");
  }

  /** Generous timeouts, so a quick answer below cannot be a timeout in disguise. */
  private RegistryResolver patientResolver(Set<String> insecure) {
    return resolver(
        options()
            .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20))
            .withInsecureRegistries(insecure),
        CredentialSource.NONE,
        RegistryListener.NONE);
  }

  @Test
  void aRegistryNamedByHostNeedsTlsUnlessListedInsecure() throws Exception {
    // registry.test resolves to 127.0.0.1 (src/test/resources/hosts) but is not a loopback literal
    String image = "registry.test:" + open.port() + "/app/exec:1";
    long start = System.nanoTime();
    Unresolved tls = failure(patientResolver(Set.of()).resolve(image), Reason.ERROR);
    assertThat(tls.detail()).contains("TLS", "insecure");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("no retries")
        .isLessThan(Duration.ofSeconds(5));

    assertThat(
            config(patientResolver(Set.of("registry.test:" + open.port())).resolve(image)).digest())
        .isEqualTo(exec.digest());
  }

  @Test
  void aDownTlsRegistryIsUnreachableAtOnce() throws Exception {
    int closedPort = TestRegistry.freePort();
    long start = System.nanoTime();
    failure(
        patientResolver(Set.of()).resolve("registry.test:" + closedPort + "/app:1"),
        Reason.UNREACHABLE);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("no retries")
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void theRateLimitSpacesRequestsToARegistry() {
    // 4 requests/s, burst 1: three images, two requests each, cannot take less than 5 x 250 ms
    RegistryResolver r =
        resolver(
            options().withRegistryLimits(4, 4.0, 1), CredentialSource.NONE, RegistryListener.NONE);
    long start = System.nanoTime();
    for (String tag : List.of("zero", "named", "named-group")) {
      assertThat(r.resolve(open.hostPort() + "/app/users:" + tag).isResolved()).isTrue();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1200));
  }

  @Test
  void aFullQueueAndABusyRegistryAnswerAtOnceOrByTheDeadline() throws Exception {
    try (SilentServer silent = new SilentServer()) {
      RegistryResolver r =
          resolver(
              options()
                  .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2))
                  .withExecutor(2, 1)
                  .withRegistryLimits(1, 100, 100),
              CredentialSource.NONE,
              RegistryListener.NONE);
      long start = System.nanoTime();
      CompletableFuture<Resolution> first =
          r.resolveAsync(ResolveRequest.of(silent.hostPort() + "/a:1"));
      CompletableFuture<Resolution> second =
          r.resolveAsync(ResolveRequest.of(silent.hostPort() + "/b:1"));
      CompletableFuture<Resolution> third =
          r.resolveAsync(ResolveRequest.of(silent.hostPort() + "/c:1"));
      CompletableFuture<Resolution> fourth =
          r.resolveAsync(ResolveRequest.of(silent.hostPort() + "/d:1"));
      assertThat(fourth).as("two running, one queued: the fourth is refused at once").isCompleted();
      assertThat(failure(fourth.join(), Reason.RATE_LIMITED).detail()).contains("queue full");
      failure(first.join(), Reason.TIMEOUT);
      // the second waits for the registry's single slot while the first hangs
      Unresolved waited = failure(second.join(), Reason.TIMEOUT);
      failure(third.join(), Reason.TIMEOUT);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(4500));
      assertThat(waited.detail()).contains("no answer");
    }
  }

  @Test
  void aCredentialHelperFromTheDockerConfigEndToEnd() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("helper-bin"));
    Path helper = bin.resolve("docker-credential-pyhygiene-test");
    Files.writeString(
        helper,
        "#!/bin/sh\nread -r server\n"
            + "[ \"$server\" = \""
            + secured.hostPort()
            + "\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
            + "printf '{\"ServerURL\":\"%s\",\"Username\":\""
            + USER
            + "\",\"Secret\":\""
            + PASSWORD
            + "\"}' \"$server\"\n");
    Files.setPosixFilePermissions(
        helper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    Path dockerConfig =
        Files.createDirectories(tmp.resolve("helper-config")).resolve("config.json");
    Files.writeString(
        dockerConfig, "{\"credHelpers\": {\"" + secured.hostPort() + "\": \"pyhygiene-test\"}}");
    RegistryResolver cli =
        resolver(
            options(),
            new DockerConfigCredentials(dockerConfig, bin.toString(), Duration.ofSeconds(5)),
            RegistryListener.NONE);
    assertThat(config(cli.resolve(secured.hostPort() + "/private/app:1")).user())
        .isEqualTo("10001");
  }

  @Test
  void backToBackResolvesNeverReuseAFinishedConversation() throws Exception {
    // No tag TTL and a one-entry cache: every resolve must ask the registry (manifest + config).
    // A caller woken by a completion used to find that finished future still "in flight" and
    // reuse its answer without asking (measured: 24 registry round trips for 2,200 resolves).
    RegistryStats stats = new RegistryStats(4);
    RegistryResolver r =
        resolver(
            options()
                .withTtls(Duration.ZERO, Duration.ZERO)
                .withCacheBounds(1, 1 << 20)
                .withRegistryLimits(4, 1000, 1000),
            CredentialSource.NONE,
            stats);
    String image = open.hostPort() + "/app/exec:1";
    for (int i = 0; i < 10; i++) {
      r.resolve(image); // the pool starts its threads
    }
    int threads = Thread.activeCount();
    String m0 = open.mark();
    for (int i = 0; i < 50; i++) {
      assertThat(r.resolve(image).isResolved()).isTrue();
    }
    String m1 = open.mark();
    assertThat(open.between(m0, m1)).hasSize(100);
    assertThat(stats.counts(open.hostPort()).misses()).isEqualTo(60);
    assertThat(Thread.activeCount())
        .as("no thread per resolution")
        .isLessThanOrEqualTo(threads + 1);
  }

  @Test
  void anIndexEntryWhoseConfigNamesNoPlatformAndAPinnedTagThatDoesNotMoveTheTag() throws Exception {
    TestImages images = new TestImages(open);
    Pushed bare =
        images.oci(
            "app/bare",
            "config-only",
            Spec.of().platform(null, null, null).cmd("python", "bare.py"));
    Pushed asAmd64 =
        new Pushed(
            bare.digest(),
            bare.size(),
            bare.mediaType(),
            "linux",
            "amd64",
            null,
            bare.configDigest());
    Pushed index = images.index("app/bare", "1", TestImages.OCI_INDEX, List.of(asAmd64), Map.of());
    RegistryResolver r = resolver();
    ImageConfig c = config(r.resolve(open.hostPort() + "/app/bare:1"));
    assertThat(c.platform()).isEmpty();
    assertThat(c.cmd()).containsExactly("python", "bare.py");
    assertThat(c.digest()).isEqualTo(index.digest());

    // app/exec:other@<exec digest>: the digest is pulled, and tag "other" is not recorded as
    // pointing there
    assertThat(config(r.resolve(open.hostPort() + "/app/exec:other@" + exec.digest())).digest())
        .isEqualTo(exec.digest());
    failure(r.resolve(open.hostPort() + "/app/exec:other"), Reason.NOT_FOUND);
  }

  private static List<String> paths(List<Request> requests) {
    return requests.stream().map(q -> q.method() + " " + q.path() + " " + q.status()).toList();
  }
}
