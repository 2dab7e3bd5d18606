package io.pyhygiene.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.pyhygiene.registry.TestImages;
import io.pyhygiene.registry.TestImages.Spec;
import io.pyhygiene.registry.TestRegistry;
import io.pyhygiene.testkit.RealCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, operator half, on the real control plane with real registries (Debian's docker-registry
 * on loopback ports, one behind basic auth): with {@code images.resolve: true} the verdict follows
 * the image's config, a moved tag re-audits without any change to the Deployment, a registry that
 * is down gives {@code image-unresolved} and the audit completes, and a pull Secret (opt-in)
 * resolves a private image.
 */
class ImageResolutionIT {

  static final String HTPASSWD =
      "tester:$2y$05$WBfteUZlY0nAwWnCjqqBVOcUhWJMxasw7Tx8C9K60EXOceX2yd9GG";
  static final String USER = "tester";
  static final String PASSWORD = "loopback-only-test-password";

  @RegisterExtension static final RealCluster cluster = new RealCluster();
  @TempDir static Path tmp;
  static OperatorHarness op;
  static Fixtures fx;
  static TestRegistry open;
  static TestRegistry secured;
  static TestImages openImages;
  static TestImages securedImages;

  @BeforeAll
  static void start() throws Exception {
    open = TestRegistry.start(Files.createDirectories(tmp.resolve("open")), null, null, null);
    secured =
        TestRegistry.start(
            Files.createDirectories(tmp.resolve("secured")), HTPASSWD, USER, PASSWORD);
    openImages = new TestImages(open);
    securedImages = new TestImages(secured);
    fx = new Fixtures(cluster);
    op =
        OperatorHarness.start(
            cluster.client(),
            Map.of(
                "PYHYGIENE_IMAGE_TAG_TTL",
                "1s",
                "PYHYGIENE_IMAGE_NEGATIVE_TTL",
                "2s",
                "PYHYGIENE_IMAGE_PULL_SECRETS",
                "true"));
  }

  @AfterAll
  static void stop() {
    if (op != null) {
      op.close();
    }
    for (TestRegistry r : new TestRegistry[] {open, secured}) {
      if (r != null) {
        r.close();
      }
    }
  }

  static Deployment deployment(String ns, String name, String image, String pullSecret) {
    DeploymentBuilder b =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .addToLabels("pyhygiene.io/runtime", "python")
            .endMetadata()
            .withNewSpec()
            .withReplicas(0)
            .withNewSelector()
            .addToMatchLabels("app", name)
            .endSelector()
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
            .endSpec();
    if (pullSecret != null) {
      b.editSpec()
          .editTemplate()
          .editSpec()
          .addNewImagePullSecret(pullSecret)
          .endSpec()
          .endTemplate()
          .endSpec();
    }
    return b.build();
  }

  static List<String> rules(Deployment d) {
    return Fixtures.findings(d).stream().map(Fixtures.Finding::rule).toList();
  }

  Deployment awaitRules(String ns, String name, List<String> present, List<String> absent) {
    return await()
        .atMost(OperatorHarness.TIMEOUT)
        .until(
            () -> fx.get(ns, name),
            d ->
                d != null
                    && rules(d).containsAll(present)
                    && absent.stream().noneMatch(rules(d)::contains));
  }

  @Test
  void theVerdictFollowsTheImageAndAMovedTagReaudits() throws Exception {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "images", Map.of("images", Map.of("resolve", true)));
    openImages.oci(
        "api", "v1", Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app").env("PYTHONUNBUFFERED=1"));
    fx.apply(deployment(ns, "api", open.hostPort() + "/api:v1", null));

    Deployment resolved =
        awaitRules(
            ns,
            "api",
            List.of("shell-wrapper"),
            List.of("python-unbuffered", "command-unknown", "image-unresolved"));
    // Not the generation: a Deployment's generation also moves when its annotations change
    // (they are copied to ReplicaSets), and the re-audit rewrites pyhygiene.io/findings.
    var spec = resolved.getSpec();

    // the tag moves to an image that execs gunicorn and no longer sets PYTHONUNBUFFERED
    openImages.oci("api", "v1", Spec.of().cmd("gunicorn", "app:app"));
    Deployment moved =
        awaitRules(
            ns, "api", List.of("python-unbuffered"), List.of("shell-wrapper", "image-unresolved"));
    assertThat(moved.getSpec()).as("nothing changed the Deployment's spec").isEqualTo(spec);
    assertThat(op.scrape()).contains("pyhygiene_image_tag_moves_total");
  }

  @Test
  void aRegistryThatIsDownGivesImageUnresolvedAndTheAuditCompletes() throws Exception {
    int closed = TestRegistry.freePort();
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "images", Map.of("images", Map.of("resolve", true)));
    fx.apply(deployment(ns, "down", "127.0.0.1:" + closed + "/api:v1", null));
    Deployment d =
        awaitRules(ns, "down", List.of("image-unresolved", "command-unknown"), List.of());
    assertThat(Fixtures.verdict(d)).isNotNull();
    assertThat(op.scrape()).contains("reason=\"unreachable\"");
  }

  @Test
  void aPullSecretResolvesAPrivateImage() throws Exception {
    String ns = cluster.createNamespace();
    fx.applyPolicy(ns, "images", Map.of("images", Map.of("resolve", true)));
    securedImages.oci("private", "v1", Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app"));
    String auth =
        Base64.getEncoder()
            .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    String config = "{\"auths\":{\"" + secured.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}";
    cluster
        .client()
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("pull")
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToData(
                    ".dockerconfigjson",
                    Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8)))
                .build())
        .create();
    String image = secured.hostPort() + "/private:v1";

    // another image of the same registry: configs are shared by digest once read with a Secret
    securedImages.oci("unshared", "v1", Spec.of().cmd("/bin/sh", "-c", "gunicorn app:app"));
    fx.apply(deployment(ns, "with-secret", image, "pull"));
    fx.apply(deployment(ns, "without", secured.hostPort() + "/unshared:v1", null));

    awaitRules(ns, "with-secret", List.of("shell-wrapper"), List.of("image-unresolved"));
    awaitRules(ns, "without", List.of("image-unresolved"), List.of("shell-wrapper"));
    assertThat(String.join("\n", op.logLines()))
        .as("no credential in the logs")
        .doesNotContain(PASSWORD, auth);
    assertThat(op.scrape()).contains("reason=\"unauthorized\"");
  }
}
