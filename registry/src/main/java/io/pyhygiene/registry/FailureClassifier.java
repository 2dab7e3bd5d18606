package io.pyhygiene.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.image.json.UnknownManifestFormatException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import io.pyhygiene.registry.CredentialSource.CredentialException;
import io.pyhygiene.registry.RegistryLimits.LimitExceeded;
import io.pyhygiene.registry.Resolution.Reason;
import io.pyhygiene.registry.Resolution.Unresolved;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * What went wrong, as a reason and one line for a person. The detail names the reference, the
 * registry host and what it said (HTTP status, distribution error codes); it never quotes a
 * response body or a jib message that may carry a secret (jib's token-exchange messages can include
 * request parameters).
 */
final class FailureClassifier {

  private static final com.fasterxml.jackson.databind.ObjectReader JSON = RegistryJson.READER;

  private FailureClassifier() {}

  /** Maps what jib, the JDK or Apache HttpClient threw to a reason and a one-line detail. */
  static Unresolved classify(Throwable t, ImageRef ref, JibRegistrySession session) {
    String where = ref.apiHost();
    if (t instanceof LimitExceeded) {
      return new Unresolved(Reason.RATE_LIMITED, ref + ": " + t.getMessage());
    }
    if (t instanceof CredentialException) {
      return new Unresolved(Reason.UNAUTHORIZED, ref + ": " + t.getMessage());
    }
    if (t instanceof RegistryResolver.UnsupportedManifest) {
      return new Unresolved(Reason.ERROR, ref + ": " + t.getMessage());
    }
    if (JibRegistrySession.find(t, RegistryCredentialsNotSentException.class) != null) {
      return new Unresolved(
          Reason.UNAUTHORIZED,
          ref
              + ": "
              + where
              + " wants credentials over plain HTTP;"
              + " they are sent over HTTP to loopback registries only");
    }
    RegistryUnauthorizedException unauthorized =
        JibRegistrySession.find(t, RegistryUnauthorizedException.class);
    if (unauthorized != null) {
      int status = unauthorized.getHttpResponseException().getStatusCode();
      int tried = session == null ? 0 : session.credentialsTried();
      String creds =
          tried == 0
              ? "no credentials for " + ref.registry() + " were found"
              : tried + " credential" + (tried == 1 ? " was" : "s were") + " refused";
      return new Unresolved(
          Reason.UNAUTHORIZED, ref + ": HTTP " + status + " from " + where + " (" + creds + ")");
    }
    if (JibRegistrySession.find(t, RegistryAuthenticationFailedException.class) != null) {
      return new Unresolved(Reason.UNAUTHORIZED, ref + ": token exchange for " + where + " failed");
    }
    ResponseException response = JibRegistrySession.find(t, ResponseException.class);
    if (response != null) {
      int status = response.getStatusCode();
      String codes = errorCodes(response.getContent());
      String said = "HTTP " + status + (codes.isEmpty() ? "" : " " + codes) + " from " + where;
      if (status == 404) {
        return new Unresolved(Reason.NOT_FOUND, ref + ": not found (" + said + ")");
      }
      if (status == 429) {
        return new Unresolved(Reason.RATE_LIMITED, ref + ": " + said);
      }
      return new Unresolved(Reason.ERROR, ref + ": " + said);
    }
    if (JibRegistrySession.find(t, InsecureRegistryException.class) != null
        || JibRegistrySession.find(t, SSLException.class) != null) {
      return new Unresolved(
          Reason.ERROR,
          ref
              + ": TLS to "
              + where
              + " failed (a registry without a"
              + " trusted certificate must be listed as insecure)");
    }
    if (JibRegistrySession.find(t, UnknownHostException.class) != null) {
      return new Unresolved(Reason.UNREACHABLE, ref + ": unknown host " + where);
    }
    if (JibRegistrySession.find(t, ConnectException.class) != null
        || JibRegistrySession.find(t, NoRouteToHostException.class) != null) {
      return new Unresolved(Reason.UNREACHABLE, ref + ": cannot connect to " + where);
    }
    if (JibRegistrySession.find(t, SocketTimeoutException.class) != null
        || JibRegistrySession.find(t, InterruptedIOException.class) != null) {
      return new Unresolved(Reason.TIMEOUT, ref + ": " + where + " did not answer in time");
    }
    if (JibRegistrySession.find(t, JibRegistrySession.BlobTooLargeException.class) != null) {
      return new Unresolved(
          Reason.ERROR,
          ref
              + ": "
              + JibRegistrySession.find(t, JibRegistrySession.BlobTooLargeException.class)
                  .getMessage());
    }
    JsonProcessingException json = JibRegistrySession.find(t, JsonProcessingException.class);
    if (json != null) {
      return new Unresolved(
          Reason.ERROR,
          ref + ": unreadable manifest or config (" + shorten(json.getOriginalMessage()) + ")");
    }
    if (JibRegistrySession.find(t, UnknownManifestFormatException.class) != null) {
      return new Unresolved(
          Reason.ERROR,
          ref
              + ": unknown manifest format ("
              + shorten(
                  JibRegistrySession.find(t, UnknownManifestFormatException.class).getMessage())
              + ")");
    }
    if (t instanceof IOException) {
      return new Unresolved(
          Reason.UNREACHABLE,
          ref
              + ": "
              + where
              + ": "
              + t.getClass().getSimpleName()
              + (t.getMessage() == null ? "" : " " + shorten(t.getMessage())));
    }
    return new Unresolved(
        Reason.ERROR,
        ref
            + ": "
            + t.getClass().getSimpleName()
            + (t.getMessage() == null ? "" : " " + shorten(t.getMessage())));
  }

  /**
   * The distribution error codes of a response body ({@code MANIFEST_UNKNOWN}), never the body
   * itself.
   */
  private static String errorCodes(String content) {
    if (content == null || content.isEmpty()) {
      return "";
    }
    try {
      JsonNode errors = JSON.readTree(content).path("errors");
      List<String> codes = new ArrayList<>();
      errors.forEach(
          e -> {
            String code = e.path("code").asText("");
            if (code.matches("[A-Z_]{1,64}")) {
              codes.add(code);
            }
          });
      return String.join(",", codes);
    } catch (IOException e) {
      return "";
    }
  }

  private static String shorten(String s) {
    if (s == null) {
      return "";
    }
    String line = s.replaceAll("\\s+", " ").trim();
    return line.length() <= 200 ? line : line.substring(0, 200) + "...";
  }
}
