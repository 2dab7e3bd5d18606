package io.pyhygiene.registry;

import java.util.Objects;

/**
 * A username and secret for one registry. The secret is a password, or an identity (OAuth2 refresh)
 * token when {@code identityToken} is true, as Docker's {@code identitytoken} and a credential
 * helper's {@code <token>} user mean. Never logged: {@link #toString()} shows nothing.
 */
public final class RegistryCredential {

  /** The user name Docker's credential helpers return for an identity token. */
  static final String TOKEN_USER = "<token>";

  private final String username;
  private final String secret;
  private final boolean identityToken;

  private RegistryCredential(String username, String secret, boolean identityToken) {
    this.username = Objects.requireNonNull(username, "username");
    this.secret = Objects.requireNonNull(secret, "secret");
    this.identityToken = identityToken;
  }

  public static RegistryCredential password(String username, String password) {
    return new RegistryCredential(username, password, false);
  }

  public static RegistryCredential identityToken(String token) {
    return new RegistryCredential(TOKEN_USER, token, true);
  }

  String username() {
    return username;
  }

  String secret() {
    return secret;
  }

  boolean isIdentityToken() {
    return identityToken;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RegistryCredential c
        && c.username.equals(username)
        && c.secret.equals(secret)
        && c.identityToken == identityToken;
  }

  @Override
  public int hashCode() {
    return Objects.hash(username, secret, identityToken);
  }

  @Override
  public String toString() {
    return "RegistryCredential[redacted]";
  }
}
