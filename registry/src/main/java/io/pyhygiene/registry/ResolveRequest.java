package io.pyhygiene.registry;

import java.util.Objects;

/**
 * One image to resolve.
 *
 * @param image the reference as written in the pod spec
 * @param platform the platform to pick from an index, or null for the resolver's default
 * @param credentials where credentials come from, or null for the resolver's default source
 */
public record ResolveRequest(String image, Platform platform, CredentialSource credentials) {

  public ResolveRequest {
    Objects.requireNonNull(image, "image");
  }

  public static ResolveRequest of(String image) {
    return new ResolveRequest(image, null, null);
  }

  public ResolveRequest withPlatform(Platform p) {
    return new ResolveRequest(image, p, credentials);
  }

  public ResolveRequest withCredentials(CredentialSource c) {
    return new ResolveRequest(image, platform, c);
  }
}
