package io.pyhygiene.registry;

import java.time.Instant;
import java.util.Objects;

/** The outcome of resolving one image reference: its config, or why not. Never an exception. */
public sealed interface Resolution permits Resolution.Resolved, Resolution.Unresolved {

  /**
   * The image config was read.
   *
   * @param config the config
   * @param fromCache true when no registry request was made for this answer
   * @param confirmedAt when the registry last confirmed the tag's digest; for a digest reference
   *     the time of the answer (content-addressed answers do not age). {@link
   *     RegistryResolver#cachedOnly} may return an answer whose tag TTL has passed, and this says
   *     how old it is
   */
  record Resolved(ImageConfig config, boolean fromCache, Instant confirmedAt)
      implements Resolution {
    public Resolved {
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(confirmedAt, "confirmedAt");
    }
  }

  /**
   * The image config could not be read.
   *
   * @param reason why, as a closed set callers can map to a finding
   * @param detail one line for a person: what was asked and what the registry (or the resolver)
   *     said; never a credential or a response body
   */
  record Unresolved(Reason reason, String detail) implements Resolution {
    public Unresolved {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }

    /**
     * The detail without the reference it starts with, for a finding that already names the image:
     * {@code HTTP 401 from ghcr.io (no credentials for ghcr.io were found)}, {@code cannot connect
     * to 127.0.0.1:5000}. Kept to one bounded line.
     *
     * @param image the reference as written in the pod spec
     */
    public String reasonFor(String image) {
      String text = detail.replaceAll("\\s+", " ").trim();
      for (String prefix : prefixes(image)) {
        if (text.startsWith(prefix + ": ")) {
          text = text.substring(prefix.length() + 2);
          break;
        }
      }
      if (text.isEmpty()) {
        text = reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
      }
      return text.length() <= 240 ? text : text.substring(0, 240) + "...";
    }

    private static java.util.List<String> prefixes(String image) {
      try {
        return java.util.List.of(ReferenceNormaliser.normalise(image).toString(), image);
      } catch (ReferenceNormaliser.InvalidReferenceException e) {
        return java.util.List.of(image);
      }
    }
  }

  /** Why a reference was not resolved. */
  enum Reason {
    /** Nothing answered: connection refused, no route, unknown host. */
    UNREACHABLE,
    /** A request or the overall deadline ran out (a slow or silent registry). */
    TIMEOUT,
    /** 401/403, no usable credentials, or a credential helper that failed. */
    UNAUTHORIZED,
    /** The repository, tag or digest does not exist (404). */
    NOT_FOUND,
    /**
     * An index without an entry for the wanted platform, or a single-platform image for another
     * one.
     */
    NO_PLATFORM,
    /** The reference is not one Docker would accept. */
    INVALID_REFERENCE,
    /** The registry said 429, or the resolver's own queue or rate limit refused the request. */
    RATE_LIMITED,
    /**
     * {@link RegistryResolver#cachedOnly}: nothing cached for this reference (no request is made).
     */
    NOT_CACHED,
    /** Anything else: TLS failure, 5xx, an unreadable or unsupported manifest or config. */
    ERROR
  }

  default boolean isResolved() {
    return this instanceof Resolved;
  }
}
