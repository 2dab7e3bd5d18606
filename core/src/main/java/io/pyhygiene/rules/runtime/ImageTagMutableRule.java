package io.pyhygiene.rules.runtime;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.ImageRef;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** The image is untagged or tagged latest. */
public final class ImageTagMutableRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "image-tag-mutable",
          Severity.ERROR,
          Category.RUNTIME,
          "The image has no tag, or the tag is latest",
          "An untagged image means `:latest`, which moves: two pods of one ReplicaSet can run"
              + " different code, a rollback does not roll back, and a node restart silently"
              + " upgrades Python and every dependency.",
          "Pin the image to a version tag that is never reused (`ghcr.io/acme/api:1.4.2`), or better"
              + " to a digest (`@sha256:...`).",
          """
      # fails
      image: ghcr.io/acme/api:latest
      # passes
      image: ghcr.io/acme/api:1.4.2
      """);

  private static final java.util.Set<String> FLOATING =
      java.util.Set.of(
          "latest",
          "main",
          "master",
          "stable",
          "edge",
          "nightly",
          "dev",
          "develop",
          "development",
          "trunk",
          "head",
          "canary",
          "beta",
          "alpha",
          "unstable",
          "current",
          "release",
          "prod",
          "production");

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.ALL_CONTAINERS;
  }

  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    ImageRef image = c.image();
    if (image.isEmpty()) {
      return Optional.of(finding(c.name(), "has no image."));
    }
    if (image.hasDigest()) {
      return Optional.empty();
    }
    if (!image.hasTag()) {
      return Optional.of(
          finding(
              c.name(),
              "image " + image + " has no tag and no digest, so it" + " resolves to :latest."));
    }
    if (floating(image.tag())) {
      return Optional.of(
          finding(
              c.name(),
              "image "
                  + image
                  + " uses the floating tag "
                  + image.tag()
                  + ", which moves to new builds."));
    }
    return Optional.empty();
  }

  /** Tags that name a branch or a channel rather than a build. */
  static boolean floating(String tag) {
    String t = tag.toLowerCase(java.util.Locale.ROOT);
    // A bare major version (3, 20-alpine, 3-python3.11) moves with every minor release.
    return FLOATING.contains(t)
        || t.matches("\\d+([-_].*)?")
        || t.endsWith("-latest")
        || t.startsWith("latest-")
        || t.endsWith("-nightly")
        || t.endsWith("-edge")
        || t.endsWith("-dev")
        || t.endsWith("-main")
        || t.endsWith("-master");
  }
}
