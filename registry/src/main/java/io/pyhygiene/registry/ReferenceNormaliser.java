package io.pyhygiene.registry;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an image reference as written in a pod spec into an {@link ImageRef}, by the rules of
 * Docker's reference package (distribution/reference {@code ParseNormalizedNamed}), which
 * containerd and the kubelet share:
 *
 * <ul>
 *   <li>the first path component is a registry only when it contains {@code .} or {@code :}, is
 *       {@code localhost}, or has an upper-case letter; otherwise the registry is {@code docker.io}
 *       ({@code org/app} is {@code docker.io/org/app});
 *   <li>{@code index.docker.io} is written {@code docker.io}; a one-component Docker Hub name gets
 *       {@code library/} ({@code python} is {@code docker.io/library/python});
 *   <li>no tag and no digest means {@code :latest}; {@code name:tag@digest} keeps both, and the
 *       digest is what is pulled;
 *   <li>repository paths are lower case; a bare 64-hex string is refused (it reads as an image ID,
 *       not a name).
 * </ul>
 */
public final class ReferenceNormaliser {

  private static final String DOMAIN_COMPONENT =
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final String IPV6 = "\\[[a-fA-F0-9:]+\\]";
  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|" + IPV6 + ")(?::[0-9]+)?");
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST =
      Pattern.compile("([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})");
  private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");
  private static final int MAX_NAME_LENGTH = 255;

  private ReferenceNormaliser() {}

  /** The normalised reference, or {@link InvalidReferenceException} saying what is wrong. */
  public static ImageRef normalise(String reference) throws InvalidReferenceException {
    if (reference == null || reference.isEmpty()) {
      throw new InvalidReferenceException(String.valueOf(reference), "empty reference");
    }
    if (IMAGE_ID.matcher(reference).matches()) {
      throw new InvalidReferenceException(
          reference, "a 64-hex string is an image ID, not a reference");
    }
    String rest = reference;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      Matcher d = DIGEST.matcher(digest);
      if (!d.matches()) {
        throw new InvalidReferenceException(reference, "invalid digest '" + digest + "'");
      }
      if (d.group(1).equals("sha256") && !d.group(2).matches("[0-9a-f]{64}")) {
        throw new InvalidReferenceException(
            reference, "a sha256 digest is 64 lower-case hex digits");
      }
    }
    String tag = null;
    int lastSlash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > lastSlash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidReferenceException(reference, "invalid tag '" + tag + "'");
      }
    }

    String registry;
    String path;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    boolean firstIsRegistry =
        slash >= 0
            && (first.contains(".")
                || first.contains(":")
                || first.equals("localhost")
                || !first.toLowerCase(java.util.Locale.ROOT).equals(first));
    if (firstIsRegistry) {
      registry = first;
      path = rest.substring(slash + 1);
      if (!DOMAIN.matcher(registry).matches()) {
        throw new InvalidReferenceException(reference, "invalid registry '" + registry + "'");
      }
    } else {
      registry = ImageRef.DOCKER_HUB;
      path = rest;
    }
    if (registry.equals("index.docker.io")) {
      registry = ImageRef.DOCKER_HUB;
    }
    if (registry.equals(ImageRef.DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    if (path.isEmpty()) {
      throw new InvalidReferenceException(reference, "no repository name");
    }
    for (String component : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        String why =
            component.isEmpty()
                ? "an empty path component"
                : !component.toLowerCase(java.util.Locale.ROOT).equals(component)
                    ? "repository names are lower case"
                    : "invalid path component '" + component + "'";
        throw new InvalidReferenceException(reference, why);
      }
    }
    if (registry.length() + 1 + path.length() > MAX_NAME_LENGTH) {
      throw new InvalidReferenceException(
          reference, "name longer than " + MAX_NAME_LENGTH + " characters");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageRef(registry, path, tag, digest);
  }

  /** Thrown for a reference Docker would refuse; the message names the reference and the reason. */
  public static final class InvalidReferenceException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    InvalidReferenceException(String reference, String reason) {
      super("invalid image reference '" + reference + "': " + reason);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }
}
