package io.pyhygiene.rules.runtime;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.util.Optional;

/** A Python image on Alpine/musl. */
public final class AlpinePythonRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "alpine-python",
          Severity.WARNING,
          Category.RUNTIME,
          "A Python image built on Alpine (musl)",
          "Most binary wheels on PyPI are built for glibc (manylinux). On musl, pip falls back to"
              + " source builds that need compilers, take minutes, and can behave differently; musl's"
              + " allocator and DNS resolver also differ from what the code was tested on.",
          "Use a Debian-based slim image (`python:3.12-slim`) instead of `-alpine`.",
          """
      # fails
      image: python:3.12-alpine
      # passes
      image: python:3.12-slim
      """);

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
    return c.image().looksAlpine()
        ? Optional.of(finding(c.name(), "image " + c.image() + " is Alpine-based (musl)."))
        : Optional.empty();
  }
}
