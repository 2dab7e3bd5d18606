package io.pyhygiene.workload;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container image reference split into registry, repository, tag and digest, following the
 * distribution reference grammar: the first path component is a registry only when it contains a
 * dot or a colon or is {@code localhost}, so {@code registry:5000/app} has a port, not a tag.
 */
public record ImageRef(String raw, String registry, String repository, String tag, String digest) {

  private static final Pattern PYTHON_VERSION = Pattern.compile("^(\\d+)\\.(\\d+)(?![\\d])");

  /**
   * A tag that names the Python it ships: {@code 2.8.4-python3.9}, {@code py3.11}, {@code
   * python3.11-slim}.
   */
  private static final Pattern TAG_PYTHON =
      Pattern.compile(
          "(?:^|[-_.])py(?:thon)?-?(3)\\.?(\\d{1,2})(?![\\d])", Pattern.CASE_INSENSITIVE);

  private static final Pattern TAG_NAMES_PYTHON =
      Pattern.compile("(?:^|[-_.])py(?:thon)?-?\\d", Pattern.CASE_INSENSITIVE);

  /** Images that run a well-known program that is not Python, whatever env they carry. */
  private static final java.util.Set<String> NOT_PYTHON =
      java.util.Set.of(
          "nginx",
          "redis",
          "postgres",
          "postgresql",
          "mysql",
          "mariadb",
          "memcached",
          "node",
          "envoy",
          "traefik",
          "haproxy",
          "httpd",
          "caddy",
          "busybox",
          "pause",
          "curl",
          "netcat",
          "clickhouse-server",
          "zookeeper",
          "kafka",
          "pgbouncer",
          "openjdk",
          "eclipse-temurin",
          "golang",
          "rabbitmq",
          "mongo",
          "elasticsearch",
          "grafana",
          "prometheus",
          "configurable-http-proxy",
          "relay",
          "kube-scheduler",
          "nginx-unprivileged");

  public static ImageRef parse(String image) {
    String raw = image == null ? "" : image.trim();
    String rest = raw;
    String digest = "";
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
    }
    String registry = "";
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        registry = first;
        rest = rest.substring(slash + 1);
      }
    }
    String tag = "";
    int lastSlash = rest.lastIndexOf('/');
    int colon = rest.indexOf(':', lastSlash + 1);
    if (colon >= 0) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
    }
    return new ImageRef(raw, registry, rest, tag, digest);
  }

  public boolean isEmpty() {
    return raw.isEmpty();
  }

  public boolean hasDigest() {
    return !digest.isEmpty();
  }

  public boolean hasTag() {
    return !tag.isEmpty();
  }

  /**
   * The last path component of the repository: {@code python} for {@code docker.io/library/python}.
   */
  public String name() {
    int slash = repository.lastIndexOf('/');
    return slash >= 0 ? repository.substring(slash + 1) : repository;
  }

  /** Alpine-based, so {@code /bin/sh} is busybox ash and the C library is musl. */
  public boolean looksAlpine() {
    return tag.toLowerCase(Locale.ROOT).contains("alpine")
        || name().toLowerCase(Locale.ROOT).contains("alpine");
  }

  /** The repository path (without registry) mentions Python, or the tag names a Python version. */
  public boolean looksPython() {
    return repository.toLowerCase(Locale.ROOT).contains("python")
        || TAG_NAMES_PYTHON.matcher(tag).find();
  }

  /** A well-known image of a program that is not Python (nginx, redis, postgres, ...). */
  public boolean knownNotPython() {
    return NOT_PYTHON.contains(name().toLowerCase(Locale.ROOT));
  }

  /**
   * The Python {@code major.minor} the tag names: a {@code python:X.Y...} style image (name {@code
   * python}, tag starting with the version: {@code 3.11-slim}, {@code 3.9-alpine3.19}), or any tag
   * that names it ({@code 2.8.4-python3.9}, {@code py3.10}, {@code python3.11-slim}).
   */
  public Optional<String> pythonVersion() {
    if (name().equalsIgnoreCase("python")) {
      Matcher m = PYTHON_VERSION.matcher(tag);
      if (m.find()) {
        return Optional.of(m.group(1) + "." + m.group(2));
      }
    }
    Matcher m = TAG_PYTHON.matcher(tag);
    return m.find() ? Optional.of(m.group(1) + "." + m.group(2)) : Optional.empty();
  }

  @Override
  public String toString() {
    return raw;
  }
}
