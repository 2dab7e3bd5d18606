package io.pyhygiene.rules.runtime;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.WorkloadView;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;

/** The image's Python version is past its upstream end of life. */
public final class PythonEolRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "python-eol",
          Severity.WARNING,
          Category.RUNTIME,
          "The image's Python version is past its end of life",
          "After its end-of-life date a Python version gets no security fixes from python.org, and"
              + " libraries drop support for it. The version is read from `python:X.Y...` style tags.",
          "Move to a supported Python version (`python:3.13-slim`) and test the service on it.",
          """
      # fails (on or after 2025-11-01)
      image: python:3.9-slim
      # passes
      image: python:3.13-slim
      """);

  /** Upstream end-of-life dates (python.org release status / PEP 602 schedule). */
  private static final Map<String, LocalDate> END_OF_LIFE =
      Map.ofEntries(
          Map.entry("2.7", LocalDate.of(2020, 1, 1)),
          Map.entry("3.4", LocalDate.of(2019, 3, 18)),
          Map.entry("3.5", LocalDate.of(2020, 9, 30)),
          Map.entry("3.6", LocalDate.of(2021, 12, 23)),
          Map.entry("3.7", LocalDate.of(2023, 6, 27)),
          Map.entry("3.8", LocalDate.of(2024, 10, 7)),
          Map.entry("3.9", LocalDate.of(2025, 10, 31)),
          Map.entry("3.10", LocalDate.of(2026, 10, 31)),
          Map.entry("3.11", LocalDate.of(2027, 10, 31)),
          Map.entry("3.12", LocalDate.of(2028, 10, 31)),
          Map.entry("3.13", LocalDate.of(2029, 10, 31)),
          Map.entry("3.14", LocalDate.of(2030, 10, 31)));

  @Override
  public String withImage() {
    return "`PYTHON_VERSION` in the image's ENV (set by the official python images and images"
        + " built on them) gives the version when the tag does not name it.";
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
    Optional<String> fromTag = c.image().pythonVersion();
    Optional<String> version =
        fromTag.or(
            () ->
                c.env()
                    .literal("PYTHON_VERSION")
                    .map(v -> v.trim().replaceFirst("^(\\d+\\.\\d+).*$", "$1"))
                    .filter(v -> v.matches("\\d+\\.\\d+")));
    if (version.isEmpty()) {
      return Optional.empty();
    }
    String where =
        fromTag.isPresent()
            ? "image " + c.image()
            : c.env().get("PYTHON_VERSION").map(v -> v.fromImage()).orElse(false)
                ? "PYTHON_VERSION in the image's ENV"
                : "PYTHON_VERSION in env";
    LocalDate eol = endOfLife(version.get());
    if (eol == null || !ctx.today().isAfter(eol)) {
      return Optional.empty();
    }
    return Optional.of(
        finding(
            c.name(),
            "Python "
                + version.get()
                + " ("
                + where
                + ") reached its end of life on "
                + eol
                + "."));
  }

  /**
   * The end-of-life date, or {@code null} when unknown (a future version); every 2.x and old 3.x is
   * past.
   */
  static LocalDate endOfLife(String version) {
    LocalDate known = END_OF_LIFE.get(version);
    if (known != null) {
      return known;
    }
    String[] parts = version.split("\\.");
    int major = Integer.parseInt(parts[0]);
    int minor = Integer.parseInt(parts[1]);
    if (major < 3 || (major == 3 && minor < 4)) {
      return LocalDate.of(2020, 1, 1);
    }
    return null;
  }
}
