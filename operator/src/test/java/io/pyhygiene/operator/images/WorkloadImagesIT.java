package io.pyhygiene.operator.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pyhygiene.api.v1alpha1.PythonHygienePolicySpec;
import io.pyhygiene.engine.Auditor;
import io.pyhygiene.engine.CombinedAudit;
import io.pyhygiene.json.Json;
import io.pyhygiene.operator.audit.WorkloadAuditor;
import io.pyhygiene.operator.config.ImageSettings;
import io.pyhygiene.policy.ActivePolicy;
import io.pyhygiene.policy.PolicyResolver;
import io.pyhygiene.registry.TestImages;
import io.pyhygiene.registry.TestImages.Spec;
import io.pyhygiene.registry.TestRegistry;
import io.pyhygiene.rules.RuleCatalog;
import io.pyhygiene.workload.Observations;
import io.pyhygiene.workload.WorkloadKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's image path against a real registry (Debian's docker-registry on a loopback port,
 * images pushed by the registry module's {@link TestImages}): the reconcile lookup never waits, a
 * finished resolution re-audits, a moved tag re-audits, a registry that is down gives {@code
 * image-unresolved}, and the admission lookup makes no registry request (counted in the registry's
 * own access log). The same {@link WorkloadAuditor} assembly the operator uses.
 */
class WorkloadImagesIT {

  /** Generous: the machine running the suite may be loaded; the waits end on a condition. */
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;

  static final String HTPASSWD =
      "tester:$2y$05$WBfteUZlY0nAwWnCjqqBVOcUhWJMxasw7Tx8C9K60EXOceX2yd9GG";
  static final String USER = "tester";
  static final String PASSWORD = "loopback-only-test-password";

  static TestRegistry registry;
  static TestImages images;
  static TestRegistry secured;
  static TestImages securedImages;

  final ConcurrentLinkedQueue<ResourceID> reaudited = new ConcurrentLinkedQueue<>();
  final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  WorkloadImages workloadImages;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = TestRegistry.start(Files.createDirectories(tmp.resolve("open")), null, null, null);
    images = new TestImages(registry);
    secured =
        TestRegistry.start(
            Files.createDirectories(tmp.resolve("secured")), HTPASSWD, USER, PASSWORD);
    securedImages = new TestImages(secured);
  }

  @AfterAll
  static void stopRegistry() {
    for (TestRegistry r : new TestRegistry[] {registry, secured}) {
      if (r != null) {
        r.close();
      }
    }
  }

  @AfterEach
  void close() {
    if (workloadImages != null) {
      workloadImages.close();
    }
  }

  WorkloadImages start(Duration tagTtl) {
    return start(tagTtl, null);
  }

  WorkloadImages start(Duration tagTtl, PullSecretReader pullSecrets) {
    ImageSettings s =
        new ImageSettings(
            1000,
            16L * 1024 * 1024,
            tagTtl,
            Duration.ofSeconds(30),
            Duration.ofSeconds(5),
            Duration.ofSeconds(15),
            4,
            50,
            2,
            Set.of(),
            pullSecrets != null);
    workloadImages =
        new WorkloadImages(s, pullSecrets, new ImageMetrics(meters), Clock.systemUTC());
    workloadImages
        .<Deployment>reaudits(WorkloadKind.DEPLOYMENT)
        .setEventHandler((Event e) -> reaudited.add(e.getRelatedCustomResourceID()));
    workloadImages.<Deployment>reaudits(WorkloadKind.DEPLOYMENT).start();
    return workloadImages;
  }

  static ActivePolicy policy(boolean resolve) throws Exception {
    PythonHygienePolicySpec spec =
        Json.YAML.readValue("images: {resolve: " + resolve + "}\n", PythonHygienePolicySpec.class);
    PolicyResolver.Result r = new PolicyResolver(RuleCatalog.all()).resolve("images", spec);
    assertThat(r.errors()).isEmpty();
    return new ActivePolicy("images", 1, null, null, r.policy(), r.errors());
  }

  /** A Python Deployment that sets no command: the image decides what runs. */
  static Deployment deployment(String name, String image) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("shop")
        .withUid("uid-" + name)
        .addToLabels("pyhygiene.io/runtime", "python")
        .endMetadata()
        .withNewSpec()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage(image)
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static List<String> rules(CombinedAudit audit) {
    return audit.findings().stream().map(f -> f.finding().rule()).toList();
  }

  CombinedAudit reconcileAudit(Deployment d, ActivePolicy p) {
    return new WorkloadAuditor(
            new Auditor(RuleCatalog.all(), Clock.systemUTC()),
            List::of,
            ns -> Map.of(),
            workloadImages.reconcileLookup())
        .audit(d, Observations.NONE, List.of(p));
  }

  CombinedAudit admissionAudit(Deployment d, ActivePolicy p) {
    return new WorkloadAuditor(
            new Auditor(RuleCatalog.all(), Clock.systemUTC()),
            List::of,
            ns -> Map.of(),
            workloadImages.admissionLookup())
        .audit(d, Observations.NONE, List.of(p));
  }

  @Test
  void theImageConfigChangesTheVerdictAfterABackgroundResolution() throws Exception {
    images.oci(
        "shell-cmd",
        "1",
        Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app").env("PYTHONUNBUFFERED=1").user("10001"));
    start(Duration.ofMinutes(5));
    Deployment d = deployment("api", registry.hostPort() + "/shell-cmd:1");
    ActivePolicy resolving = policy(true);

    CombinedAudit first = reconcileAudit(d, resolving);
    assertThat(rules(first))
        .as("manifest only while the image resolves")
        .contains("python-unbuffered")
        .doesNotContain("shell-wrapper", "image-unresolved");
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(d)));

    CombinedAudit second = reconcileAudit(d, resolving);
    assertThat(rules(second))
        .as("the image's CMD and ENV")
        .contains("shell-wrapper")
        .doesNotContain("python-unbuffered", "image-unresolved", "command-unknown");
    assertThat(second.findings())
        .filteredOn(f -> f.finding().rule().equals("shell-wrapper"))
        .allSatisfy(f -> assertThat(f.finding().message()).contains("image"));

    CombinedAudit manifestOnly = reconcileAudit(d, policy(false));
    assertThat(rules(manifestOnly))
        .as("a policy without images.resolve")
        .contains("python-unbuffered")
        .doesNotContain("shell-wrapper");
    assertThat(meters.scrape())
        .contains(
            "pyhygiene_image_resolutions_total{registry=\""
                + registry.hostPort()
                + "\",result=\"resolved\"} 1.0");
  }

  @Test
  void aMovedTagReauditsTheWorkloadsNamingIt() throws Exception {
    images.oci("moving", "stable", Spec.of().cmd("gunicorn", "app:app").env("PYTHONUNBUFFERED=1"));
    start(Duration.ofSeconds(1));
    Deployment d = deployment("mover", registry.hostPort() + "/moving:stable");
    ActivePolicy resolving = policy(true);
    reconcileAudit(d, resolving);
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(d)));
    assertThat(rules(reconcileAudit(d, resolving))).doesNotContain("shell-wrapper");
    reaudited.clear();

    images.oci(
        "moving",
        "stable",
        Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app").env("PYTHONUNBUFFERED=1"));
    // no reconcile of ours: the tag re-check (every tag TTL) finds the move and re-audits
    String moves = "pyhygiene_image_tag_moves_total{registry=\"" + registry.hostPort() + "\"} 1.0";
    await().atMost(WAIT).until(() -> meters.scrape().contains(moves));
    // the new config reaches the cache (the admission lookup reads it and starts nothing) ...
    await().atMost(WAIT).until(() -> rules(admissionAudit(d, resolving)).contains("shell-wrapper"));
    // ... and the workload naming the tag is re-audited, which then sees it
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(d)));
    assertThat(rules(reconcileAudit(d, resolving))).contains("shell-wrapper");
  }

  @Test
  void aRegistryThatIsDownGivesImageUnresolvedAndTheAuditCompletes() throws Exception {
    int closed = TestRegistry.freePort();
    start(Duration.ofMinutes(5));
    Deployment d = deployment("down", "127.0.0.1:" + closed + "/app:1");
    ActivePolicy resolving = policy(true);
    long t0 = System.nanoTime();
    CombinedAudit first = reconcileAudit(d, resolving);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .as("the reconcile never waits")
        .isLessThan(Duration.ofSeconds(1));
    assertThat(rules(first)).doesNotContain("image-unresolved");
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(d)));

    CombinedAudit second = reconcileAudit(d, resolving);
    assertThat(second.findings())
        .filteredOn(f -> f.finding().rule().equals("image-unresolved"))
        .singleElement()
        .satisfies(f -> assertThat(f.finding().message()).contains("127.0.0.1:" + closed));
    assertThat(rules(second))
        .as("manifest-only verdicts remain")
        .contains("command-unknown", "python-unbuffered");
    assertThat(meters.scrape())
        .contains(
            "pyhygiene_image_resolution_failures_total{reason=\"unreachable\",registry=\"127.0.0.1:"
                + closed
                + "\"} 1.0");
  }

  @Test
  void admissionDecidesFromTheCacheWithoutARegistryRequest() throws Exception {
    images.oci("admitted", "1", Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app"));
    start(Duration.ofMinutes(5));
    ActivePolicy resolving = policy(true);
    Deployment cached = deployment("cached", registry.hostPort() + "/admitted:1");
    reconcileAudit(cached, resolving);
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(cached)));

    String from = registry.mark();
    CombinedAudit admitted = admissionAudit(cached, resolving);
    CombinedAudit unknown =
        admissionAudit(deployment("new", registry.hostPort() + "/never:1"), resolving);
    String to = registry.mark();

    assertThat(registry.between(from, to)).as("registry requests during admission").isEmpty();
    assertThat(rules(admitted)).contains("shell-wrapper").doesNotContain("image-unresolved");
    assertThat(unknown.findings())
        .filteredOn(f -> f.finding().rule().equals("image-unresolved"))
        .singleElement()
        .satisfies(
            f -> assertThat(f.finding().message()).contains("not in the operator's image cache"));
  }

  /**
   * Namespace "shop": its default ServiceAccount names the pull Secret; other namespaces: nothing.
   */
  static final class Secrets implements PullSecretReader {
    final AtomicInteger reads = new AtomicInteger();

    @Override
    public ServiceAccount serviceAccount(String namespace, String name) {
      reads.incrementAndGet();
      return !namespace.equals("shop") || !name.equals("default")
          ? null
          : new ServiceAccountBuilder()
              .withNewMetadata()
              .withName(name)
              .withNamespace(namespace)
              .endMetadata()
              .addNewImagePullSecret("registry-login")
              .build();
    }

    @Override
    public Secret secret(String namespace, String name) {
      reads.incrementAndGet();
      if (!namespace.equals("shop") || !name.equals("registry-login")) {
        return null;
      }
      String auth =
          Base64.getEncoder()
              .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      String config = "{\"auths\":{\"" + secured.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}";
      return new SecretBuilder()
          .withNewMetadata()
          .withName(name)
          .withNamespace(namespace)
          .endMetadata()
          .withType("kubernetes.io/dockerconfigjson")
          .addToData(
              ".dockerconfigjson",
              Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)))
          .build();
    }
  }

  @Test
  void theServiceAccountsPullSecretResolvesAPrivateImageAndIsReadOnlyOnA401() throws Exception {
    securedImages.oci("private", "v1", Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app"));
    securedImages.oci("elsewhere", "v1", Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app"));
    images.oci("public", "v1", Spec.of().cmd("gunicorn", "app:app"));
    Secrets secrets = new Secrets();
    start(Duration.ofMinutes(5), secrets);
    ActivePolicy resolving = policy(true);

    Deployment open = deployment("open", registry.hostPort() + "/public:v1");
    reconcileAudit(open, resolving);
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(open)));
    assertThat(secrets.reads).as("no Secret read for an image that needs none").hasValue(0);

    Deployment mine = deployment("private", secured.hostPort() + "/private:v1");
    reconcileAudit(mine, resolving);
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(mine)));
    assertThat(rules(reconcileAudit(mine, resolving)))
        .contains("shell-wrapper")
        .doesNotContain("image-unresolved");
    assertThat(secrets.reads.get()).as("read after the registry's 401").isPositive();

    Deployment foreign =
        new DeploymentBuilder(deployment("foreign", secured.hostPort() + "/elsewhere:v1"))
            .editMetadata()
            .withNamespace("billing")
            .withUid("uid-foreign")
            .endMetadata()
            .build();
    reconcileAudit(foreign, resolving);
    await().atMost(WAIT).until(() -> reaudited.contains(ResourceID.fromResource(foreign)));
    assertThat(reconcileAudit(foreign, resolving).findings())
        .filteredOn(f -> f.finding().rule().equals("image-unresolved"))
        .singleElement()
        .satisfies(f -> assertThat(f.finding().message()).contains("401").doesNotContain(PASSWORD));
  }
}
