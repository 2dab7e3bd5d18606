package io.pyhygiene.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the repository's files are, for tests that read them (fixtures, the CRDs, the guides). No
 * cluster involved: unit tests use it too.
 *
 * <p>The root comes from the system property {@code pyhygiene.repoRoot}, the env var {@code
 * PYHYGIENE_REPO_ROOT} (both set by the parent pom for surefire and failsafe), or the first parent
 * of the working directory holding {@code e2e/bin/cluster-up.sh}.
 */
public final class Repository {

  private Repository() {}

  /** The repository root (the directory holding {@code e2e/} and {@code docs/}). */
  public static Path root() {
    String configured = System.getProperty("pyhygiene.repoRoot");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("PYHYGIENE_REPO_ROOT");
    }
    if (configured != null && !configured.isBlank()) {
      return Paths.get(configured).toAbsolutePath().normalize();
    }
    for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("e2e/bin/cluster-up.sh"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find the repository root: set -Dpyhygiene.repoRoot or PYHYGIENE_REPO_ROOT");
  }

  /** A file of the repository, by its path from the root. */
  public static Path file(String path) {
    return root().resolve(path);
  }
}
