package io.pyhygiene.rules.runtime;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.ImageFacts;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** Image resolution was asked for and the image's config could not be read. */
public final class ImageUnresolvedRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "image-unresolved",
          Severity.INFO,
          Category.RUNTIME,
          "The image's config could not be read, so verdicts rest on the manifest alone",
          "With image resolution on, pyhygiene reads each image's ENTRYPOINT, CMD, USER, ENV and"
              + " STOPSIGNAL from its registry to see what really runs. When the registry is down,"
              + " slow, refuses the credentials or does not know the image, the audit carries on with"
              + " what the manifest says and tells you it did.",
          "Make the image readable: check the reference, give pyhygiene pull credentials (the CLI's"
              + " Docker config, the operator's opt-in pull-secret access), or list a plain-HTTP"
              + " registry as insecure.",
          """
      # reported when resolution is on and the registry answers 401
      image: registry.example/private/app:1.4
      """);

  @Override
  public String withImage() {
    return "Exists only with image resolution: it reports each image whose config could not be"
        + " read, and why.";
  }

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
    ImageFacts facts = c.imageFacts();
    if (facts.state() != ImageFacts.State.UNRESOLVED) {
      return Optional.empty();
    }
    return Optional.of(
        finding(
            c.name(),
            "the config of image "
                + c.image()
                + " could not be read ("
                + facts.reason()
                + "); its verdicts use the manifest only."));
  }
}
