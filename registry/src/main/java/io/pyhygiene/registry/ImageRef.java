package io.pyhygiene.registry;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An image reference normalised as Docker and containerd normalise it: {@code python:3.12} is
 * {@code docker.io/library/python:3.12}. Made by {@link ReferenceNormaliser#normalise(String)}.
 *
 * @param registry as written, or {@code docker.io} (e.g. {@code localhost:5000}, {@code
 *     [::1]:5000})
 * @param repository the path below the registry, e.g. {@code library/python}
 * @param tag the tag, {@code latest} when neither tag nor digest was written; null with a bare
 *     digest
 * @param digest {@code algorithm:hex} when the reference pins one, else null
 */
public record ImageRef(String registry, String repository, String tag, String digest) {

  /** The registry Docker Hub short names resolve to. */
  public static final String DOCKER_HUB = "docker.io";

  public ImageRef {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("a reference needs a tag or a digest");
    }
  }

  /**
   * What the registry is asked for: the digest when the reference pins one (it wins over a tag).
   */
  public String qualifier() {
    return digest != null ? digest : tag;
  }

  public Optional<String> tagOpt() {
    return Optional.ofNullable(tag);
  }

  public Optional<String> digestOpt() {
    return Optional.ofNullable(digest);
  }

  /** {@code registry/repository}, the name without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  public boolean isDockerHub() {
    return DOCKER_HUB.equals(registry);
  }

  /**
   * The host (and port) the distribution API is served on: Docker Hub's API host is not {@code
   * docker.io} but {@code registry-1.docker.io}, as in Docker's and containerd's defaults.
   */
  public String apiHost() {
    return isDockerHub() ? "registry-1.docker.io" : registry;
  }

  /** The registry's host without port or IPv6 brackets, lower case. */
  public String host() {
    String r = registry;
    if (r.startsWith("[")) {
      int end = r.indexOf(']');
      return r.substring(1, end).toLowerCase(Locale.ROOT);
    }
    int colon = r.lastIndexOf(':');
    return (colon < 0 ? r : r.substring(0, colon)).toLowerCase(Locale.ROOT);
  }

  /**
   * Whether the registry is on this machine's loopback ({@code localhost}, {@code 127.0.0.0/8},
   * {@code [::1]}, any port): Docker and containerd reach those over plain HTTP without being told.
   * Names are not resolved: only these literals count.
   */
  public boolean isLoopback() {
    String h = host();
    return h.equals("localhost") || h.equals("::1") || h.matches("127(\\.\\d{1,3}){3}");
  }

  /** The normalised reference: {@code registry/repository[:tag][@digest]}. */
  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
