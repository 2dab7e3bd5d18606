package io.pyhygiene.rules.security;

import io.pyhygiene.engine.Category;
import io.pyhygiene.engine.ContainerRule;
import io.pyhygiene.engine.Finding;
import io.pyhygiene.engine.RuleContext;
import io.pyhygiene.engine.RuleInfo;
import io.pyhygiene.engine.Severity;
import io.pyhygiene.workload.ContainerView;
import io.pyhygiene.workload.EnvVar;
import io.pyhygiene.workload.WorkloadView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A secret written as a literal env value. Only variable names ever appear in findings: the value
 * itself is never printed, logged, annotated or exported.
 */
public final class PlaintextSecretEnvRule extends ContainerRule {

  private static final RuleInfo INFO =
      new RuleInfo(
          "plaintext-secret-env",
          Severity.ERROR,
          Category.SECURITY,
          "A secret is written as a literal env value",
          "A literal `value` lives in the manifest, in Git, in the Deployment object readable by"
              + " anyone who can read Deployments, and in every `kubectl describe`. Secrets belong in"
              + " a Secret, referenced with `valueFrom.secretKeyRef` or mounted as a file.",
          "Move the value into a Secret and reference it with `valueFrom.secretKeyRef` (or mount it"
              + " and point a `*_FILE` variable at it), then rotate the exposed secret.",
          """
      # fails
      env:
        - {name: DB_PASSWORD, value: "hunter2"}
      # passes
      env:
        - name: DB_PASSWORD
          valueFrom: {secretKeyRef: {name: db, key: password}}
      """);

  /** Name segments that mark a secret (compared case-insensitively, split at _ - .). */
  private static final Set<String> SECRET_WORDS =
      Set.of(
          "password", "passwd", "secret", "token", "apikey", "credential", "credentials", "bearer");

  /** Two-segment secret names such as API_KEY. */
  private static final Set<String> SECRET_PAIRS = Set.of("api key", "private key", "access key");

  // The value checks look only around the literal text they need ("PRIVATE KEY", "://") with
  // bounded windows: a regex searched over the whole value was quadratic in its length (a 1 MiB
  // env value took minutes, longer than the webhook's timeout; found by the fault suite).
  private static final Pattern PEM_PRIVATE_KEY =
      Pattern.compile("-{1,64}\\s{0,16}BEGIN [A-Z0-9 ]{0,64}PRIVATE KEY\\s{0,16}-");

  /**
   * Longest scheme, user name and password of a URL checked for a password (longer ones: by name).
   */
  private static final int URL_SCHEME_MAX = 64;

  private static final int URL_PART_MAX = 256;

  /**
   * Name endings that describe a secret rather than hold one: where it is mounted, how long it
   * lives, how long it must be (TOKEN_TTL_SECONDS, PASSWORD_MIN_LENGTH, SSH_PRIVATE_KEY_PATH).
   */
  private static final Set<String> DESCRIPTIVE_SUFFIXES =
      Set.of(
          "file",
          "path",
          "dir",
          "ttl",
          "seconds",
          "minutes",
          "hours",
          "days",
          "length",
          "timeout",
          "expiry",
          "enabled",
          "disabled",
          "header",
          "type",
          "name");

  private static final Pattern ONLY_REFERENCES =
      Pattern.compile("(\\$\\([A-Za-z_][A-Za-z0-9_]*\\))+");

  @Override
  public String withImage() {
    return "Literal secrets in the image's ENV are found too, named as coming from the image, with"
        + " a fix that says to rebuild it (a Secret reference in the pod does not remove it from"
        + " the image).";
  }

  @Override
  public RuleInfo info() {
    return INFO;
  }

  @Override
  protected Scope scope() {
    return Scope.ALL_CONTAINERS;
  }

  @Override
  protected Optional<Finding> check(ContainerView c, WorkloadView w, RuleContext ctx) {
    List<String> names = new ArrayList<>();
    boolean inImage = false;
    boolean inPod = false;
    for (EnvVar v : c.env().all()) {
      if (v.hasLiteral() && !v.literal().isEmpty() && isSecret(v.name(), v.literal())) {
        // A value baked into the image's ENV is fixed by a rebuild, not in the manifest.
        names.add(v.name() + (v.fromImage() ? " (from the image's ENV)" : ""));
        inImage |= v.fromImage();
        inPod |= !v.fromImage();
      }
    }
    if (names.isEmpty()) {
      return Optional.empty();
    }
    String message =
        (names.size() == 1
                ? "env " + names.get(0) + " holds"
                : "env " + String.join(", ", names) + " hold")
            + " a secret as a literal value (value not shown).";
    if (!inImage) {
      return Optional.of(finding(c.name(), message));
    }
    String image =
        "Rebuild the image without the secret in its ENV (anyone who can pull the"
            + " image can read it), pass it from a Secret with `valueFrom.secretKeyRef`, and rotate"
            + " it.";
    return Optional.of(
        finding(
            c.name(), message, inPod ? image + " For the pod's own env: " + INFO.fix() : image));
  }

  static boolean isSecret(String name, String value) {
    if (ONLY_REFERENCES.matcher(value).matches()) {
      return false; // $(DB_PASSWORD) is expanded by the kubelet from another variable
    }
    if (hasPemPrivateKey(value) || hasUrlWithPassword(value)) {
      return true;
    }
    return nameLooksSecret(name);
  }

  /** A PEM {@code -----BEGIN ... PRIVATE KEY-----} line, looked for around each "PRIVATE KEY". */
  private static boolean hasPemPrivateKey(String value) {
    var m = PEM_PRIVATE_KEY.matcher(value);
    for (int k = value.indexOf("PRIVATE KEY"); k >= 0; k = value.indexOf("PRIVATE KEY", k + 1)) {
      m.region(Math.max(0, k - 160), Math.min(value.length(), k + 11 + 17));
      if (m.find()) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code scheme://user:password@} or {@code scheme://:password@} where the password is not only
   * {@code $(VAR)} references: parsed around each "://", each part bounded, in linear time.
   */
  private static boolean hasUrlWithPassword(String value) {
    for (int at = value.indexOf("://"); at >= 0; at = value.indexOf("://", at + 1)) {
      boolean scheme = false;
      for (int j = at - 1; j >= Math.max(0, at - URL_SCHEME_MAX); j--) {
        char c = value.charAt(j);
        if (!(isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-')) {
          break;
        }
        scheme |= isAsciiLetter(c);
      }
      if (!scheme) {
        continue;
      }
      int colon = scanUntil(value, at + 3, "/:@", ':');
      if (colon < 0) {
        continue;
      }
      int atSign = scanUntil(value, colon + 1, "/@", '@');
      if (atSign > colon + 1
          && !ONLY_REFERENCES.matcher(value.substring(colon + 1, atSign)).matches()) {
        return true;
      }
    }
    return false;
  }

  /**
   * From {@code from}, at most {@link #URL_PART_MAX} characters that are neither in {@code stops}
   * nor whitespace; the index of the character that ends them if it is {@code wanted}, else -1.
   */
  private static int scanUntil(String value, int from, String stops, char wanted) {
    int end = Math.min(value.length(), from + URL_PART_MAX + 1);
    for (int i = from; i < end; i++) {
      char c = value.charAt(i);
      // whitespace as the regex \s had it: space, \t, \n, \u000B, \f, \r
      if (stops.indexOf(c) >= 0 || c == ' ' || (c >= 0x09 && c <= 0x0D)) {
        return c == wanted ? i : -1;
      }
    }
    return -1;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean nameLooksSecret(String name) {
    if (name == null) {
      return false;
    }
    String[] segments = name.toLowerCase(Locale.ROOT).split("[_.\\-]+");
    // A *_FILE variable holds the path of a mounted secret, not the secret; likewise the other
    // descriptive endings. A value that is itself a secret is still caught by the value checks.
    if (segments.length > 1 && DESCRIPTIVE_SUFFIXES.contains(segments[segments.length - 1])) {
      return false;
    }
    for (int i = 0; i < segments.length; i++) {
      if (SECRET_WORDS.contains(segments[i])) {
        return true;
      }
      if (i + 1 < segments.length && SECRET_PAIRS.contains(segments[i] + " " + segments[i + 1])) {
        return true;
      }
    }
    return false;
  }
}
