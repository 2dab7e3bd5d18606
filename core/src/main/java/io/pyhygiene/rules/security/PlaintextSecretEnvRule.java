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
 * A secret written as a literal env value. Only variable names ever appear in findings: the
 * value itself is never printed, logged, annotated or exported.
 */
public final class PlaintextSecretEnvRule extends ContainerRule {

  private static final RuleInfo INFO = new RuleInfo(
      "plaintext-secret-env", Severity.ERROR, Category.SECURITY,
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
  private static final Set<String> SECRET_WORDS = Set.of(
      "password", "passwd", "secret", "token", "apikey", "credential", "credentials", "bearer");
  /** Two-segment secret names such as API_KEY. */
  private static final Set<String> SECRET_PAIRS = Set.of("api key", "private key", "access key");
  private static final Pattern PEM_PRIVATE_KEY =
      Pattern.compile("-+\\s*BEGIN [A-Z0-9 ]*PRIVATE KEY\\s*-+");
  /**
   * scheme://user:password@host, or scheme://:password@host (the usual Redis/Celery broker form),
   * where the password is not a $(VAR) reference.
   */
  private static final Pattern URL_WITH_PASSWORD =
      Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://[^/:@\\s]*:([^/@\\s]+)@");
  /**
   * Name endings that describe a secret rather than hold one: where it is mounted, how long it
   * lives, how long it must be (TOKEN_TTL_SECONDS, PASSWORD_MIN_LENGTH, SSH_PRIVATE_KEY_PATH).
   */
  private static final Set<String> DESCRIPTIVE_SUFFIXES = Set.of("file", "path", "dir", "ttl",
      "seconds", "minutes", "hours", "days", "length", "timeout", "expiry", "enabled", "disabled",
      "header", "type", "name");
  private static final Pattern ONLY_REFERENCES = Pattern.compile("(\\$\\([A-Za-z_][A-Za-z0-9_]*\\))+");

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
    String message = (names.size() == 1 ? "env " + names.get(0) + " holds"
        : "env " + String.join(", ", names) + " hold")
        + " a secret as a literal value (value not shown).";
    if (!inImage) {
      return Optional.of(finding(c.name(), message));
    }
    String image = "Rebuild the image without the secret in its ENV (anyone who can pull the"
        + " image can read it), pass it from a Secret with `valueFrom.secretKeyRef`, and rotate"
        + " it.";
    return Optional.of(finding(c.name(), message,
        inPod ? image + " For the pod's own env: " + INFO.fix() : image));
  }

  static boolean isSecret(String name, String value) {
    if (ONLY_REFERENCES.matcher(value).matches()) {
      return false; // $(DB_PASSWORD) is expanded by the kubelet from another variable
    }
    if (PEM_PRIVATE_KEY.matcher(value).find()) {
      return true;
    }
    var url = URL_WITH_PASSWORD.matcher(value);
    while (url.find()) {
      if (!ONLY_REFERENCES.matcher(url.group(1)).matches()) {
        return true;
      }
    }
    return nameLooksSecret(name);
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
