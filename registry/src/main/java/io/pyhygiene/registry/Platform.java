package io.pyhygiene.registry;

import java.util.Locale;
import java.util.Objects;

/**
 * A target platform {@code os/arch[/variant]}, compared as containerd's default matcher does:
 * {@code arm64} without a variant is {@code arm64/v8}, {@code arm} without one is {@code arm/v7},
 * {@code x86_64} is {@code amd64} and {@code aarch64} is {@code arm64}.
 *
 * @param variant empty when not given
 */
public record Platform(String os, String architecture, String variant) {

  /** What a Kubernetes node usually is, and what the resolver picks from an index by default. */
  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", "");

  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
    variant = variant == null ? "" : variant;
  }

  /** Parses {@code os/arch} or {@code os/arch/variant}. */
  public static Platform parse(String text) {
    String[] parts = text == null ? new String[0] : text.split("/", -1);
    if (parts.length < 2
        || parts.length > 3
        || parts[0].isEmpty()
        || parts[1].isEmpty()
        || (parts.length == 3 && parts[2].isEmpty())) {
      throw new IllegalArgumentException("platform must be os/arch[/variant], got '" + text + "'");
    }
    return new Platform(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
  }

  /**
   * The same platform with containerd's normalisations applied (lower case, arch aliases, default
   * variants).
   */
  public Platform normalised() {
    String o = os.toLowerCase(Locale.ROOT);
    String a = architecture.toLowerCase(Locale.ROOT);
    String v = variant.toLowerCase(Locale.ROOT);
    switch (a) {
      case "x86_64", "x86-64" -> a = "amd64";
      case "aarch64" -> {
        a = "arm64";
        v = v.isEmpty() ? "v8" : v;
      }
      case "arm64" -> v = v.isEmpty() || v.equals("8") ? "v8" : v;
      case "armhf" -> {
        a = "arm";
        v = "v7";
      }
      case "armel" -> {
        a = "arm";
        v = "v6";
      }
      case "arm" -> v = v.isEmpty() ? "v7" : (v.matches("\\d") ? "v" + v : v);
      default -> {}
    }
    return new Platform(o, a, v);
  }

  /**
   * Whether an image for {@code candidate} serves this platform: same OS and architecture, and the
   * same variant after normalisation. A candidate that names no variant where this platform does is
   * accepted only when normalisation gives it the same default (arm64 means v8).
   */
  public boolean matches(Platform candidate) {
    Platform want = normalised();
    Platform got = candidate.normalised();
    return want.os.equals(got.os)
        && want.architecture.equals(got.architecture)
        && want.variant.equals(got.variant);
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
