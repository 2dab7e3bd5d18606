package io.pyhygiene.registry;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the rules need from an image's config blob, tied to the digests it came from. Plain data: no
 * registry-client type leaks out of this module.
 *
 * @param reference the normalised reference that was resolved, e.g. {@code
 *     docker.io/library/python:3.12}
 * @param digest what the reference resolved to and what a pod would pin: the index digest for a
 *     multi-platform image (what the kubelet reports as imageID), else the manifest digest
 * @param manifestDigest the platform's image manifest digest (equals {@code digest} for a
 *     single-platform image)
 * @param platform {@code os/arch[/variant]} from the config
 * @param entrypoint the image's ENTRYPOINT, empty when unset
 * @param cmd the image's CMD, empty when unset; a Dockerfile shell-form CMD is {@code [/bin/sh, -c,
 *     "..."]}
 * @param user the image's USER as written: {@code ""} (root), {@code 0}, {@code 10001}, {@code
 *     app}, {@code app:app}
 * @param env {@code NAME=value} as in the config. Values may be secrets: never log them; {@link
 *     #toString()} prints names only
 * @param workingDir WORKDIR, {@code ""} when unset
 * @param stopSignal STOPSIGNAL as written ({@code SIGINT}, {@code 2}), {@code ""} when unset
 *     (SIGTERM)
 * @param labels the image's labels
 */
public record ImageConfig(
    String reference,
    String digest,
    String manifestDigest,
    String platform,
    List<String> entrypoint,
    List<String> cmd,
    String user,
    List<String> env,
    String workingDir,
    String stopSignal,
    Map<String, String> labels) {

  public ImageConfig {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
    labels = Map.copyOf(labels);
    user = user == null ? "" : user;
    workingDir = workingDir == null ? "" : workingDir;
    stopSignal = stopSignal == null ? "" : stopSignal;
  }

  /** The environment variable names the image sets, in order (no values). */
  public List<String> envNames() {
    return env.stream()
        .map(e -> e.indexOf('=') < 0 ? e : e.substring(0, e.indexOf('=')))
        .collect(Collectors.toList());
  }

  /**
   * The same config as resolved through another reference (a tag and a digest share one config).
   */
  ImageConfig withReference(String newReference) {
    return new ImageConfig(
        newReference,
        digest,
        manifestDigest,
        platform,
        entrypoint,
        cmd,
        user,
        env,
        workingDir,
        stopSignal,
        labels);
  }

  /** Rough retained size in bytes, for the cache's byte bound. */
  long estimatedBytes() {
    long chars =
        reference.length()
            + digest.length()
            + manifestDigest.length()
            + platform.length()
            + user.length()
            + workingDir.length()
            + stopSignal.length();
    long strings = 7;
    for (List<String> list : List.of(entrypoint, cmd, env)) {
      for (String s : list) {
        chars += s.length();
        strings++;
      }
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      chars += e.getKey().length() + e.getValue().length();
      strings += 2;
    }
    // two bytes a char at worst, ~40 bytes of header per String, ~200 for the record and
    // collections
    return 2 * chars + 40 * strings + 200;
  }

  /** Env values left out on purpose: a config's env can carry secrets. */
  @Override
  public String toString() {
    return "ImageConfig[reference="
        + reference
        + ", digest="
        + digest
        + ", manifestDigest="
        + manifestDigest
        + ", platform="
        + platform
        + ", entrypoint="
        + entrypoint
        + ", cmd="
        + cmd
        + ", user="
        + user
        + ", env="
        + envNames()
        + " (values not shown), workingDir="
        + workingDir
        + ", stopSignal="
        + stopSignal
        + ", labels="
        + labels
        + "]";
  }
}
