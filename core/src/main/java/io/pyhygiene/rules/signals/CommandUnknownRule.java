package io.pyhygiene.rules.signals;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** A Python container whose command line is left to the image. */
public final class CommandUnknownRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "command-unknown",
          Severity.INFO,
          Category.SIGNALS,
          "The image decides the command, so signal handling cannot be verified",
          "With neither `command` nor `args` the image's ENTRYPOINT and CMD decide what runs as"
              + " PID 1. Whether a shell swallows SIGTERM, or Python runs as PID 1, cannot be seen"
              + " from the manifest.",
          "Set `command` (and `args`) explicitly so the PID 1 process is visible and reviewable, or"
              + " exempt this rule with a reason when the image's entrypoint is known to be safe.",
          """
      # reported: nothing to verify
      image: ghcr.io/acme/api:1.4.2
      # passes
      image: ghcr.io/acme/api:1.4.2
      command: ["gunicorn", "app:app"]
      """);

  @Override
  public String withImage() {
    return "Fires only when the image's config cannot be read (see `image-unresolved`) or sets"
        + " neither ENTRYPOINT nor CMD: once the config is known, so is the command.";
  }

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.PYTHON_CONTAINERS;
  }

  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    if (!c.effectiveArgv().isEmpty()) {
      return Optional.empty();
    }
    String why =
        switch (c.imageFacts().state()) {
          case UNRESOLVED -> " and its config could not be read (see image-unresolved)";
          case RESOLVED -> ", whose config sets neither ENTRYPOINT nor CMD";
          case NOT_REQUESTED -> " (image resolution is off: `--resolve-images` reads it)";
        };
    return Optional.of(
        finding(
            c.name(),
            "no command or args: the image "
                + c.image()
                + " decides what runs as PID 1"
                + why
                + "."));
  }
}
