package io.pyhygiene.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code auths} entries shared by Docker's config.json, a {@code .dockerconfigjson} Secret and
 * a legacy {@code .dockercfg} Secret: {@code {"<server>": {"auth": base64(user:password)} }}, or
 * {@code username}/{@code password}, or an {@code identitytoken}.
 */
final class DockerAuthEntries {

  private DockerAuthEntries() {}

  /**
   * Server key to credential, in the order written; entries without a usable secret are left out.
   */
  static Map<String, RegistryCredential> parse(JsonNode auths) {
    Map<String, RegistryCredential> out = new LinkedHashMap<>();
    if (auths == null || !auths.isObject()) {
      return out;
    }
    auths
        .properties()
        .forEach(e -> credential(e.getValue()).ifPresent(c -> out.put(e.getKey(), c)));
    return out;
  }

  /**
   * One entry as Docker reads it: an identity token wins (Docker exchanges it for a bearer token);
   * else {@code auth}, decoded and split at the first colon, overrides {@code username}/{@code
   * password}.
   */
  static Optional<RegistryCredential> credential(JsonNode entry) {
    if (entry == null || !entry.isObject()) {
      return Optional.empty();
    }
    String token = text(entry, "identitytoken");
    if (!token.isEmpty()) {
      return Optional.of(RegistryCredential.identityToken(token));
    }
    String auth = text(entry, "auth");
    if (!auth.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        return Optional.empty();
      }
      return Optional.of(
          RegistryCredential.password(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
    String user = text(entry, "username");
    String password = text(entry, "password");
    if (!user.isEmpty() && !password.isEmpty()) {
      return Optional.of(RegistryCredential.password(user, password));
    }
    return Optional.empty();
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText() : "";
  }
}
