package io.pyhygiene.operator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operator's configuration: one typed value per {@link Setting}, each read from its environment
 * variable or defaulted. A malformed value stops start-up with a message naming every bad variable.
 *
 * @param watchNamespaces namespaces to watch; empty for all
 * @param httpPort port of /metrics, /healthz and /readyz
 * @param webhookEnabled whether the admission webhook is served
 * @param webhookPort HTTPS port of the admission webhook
 * @param webhookCertFile PEM certificate chain of the webhook (reloaded when it changes)
 * @param webhookKeyFile PEM private key of the webhook (reloaded when it changes)
 * @param operatorNamespace the operator's own namespace (excluded from admission); may be empty
 * @param leaderElection whether the reconcilers run only on the Lease holder
 * @param leaseName the Lease's name
 * @param leaseNamespace the Lease's namespace
 * @param evidenceWindow how long observed pod terminations count as evidence
 * @param reportInterval how often PolicyReports and policy statuses are flushed
 * @param reconcileThreads concurrent reconciliations
 * @param resyncInterval maximum time between two reconciliations of an unchanged Deployment
 * @param podName the operator's pod name; empty outside a pod
 * @param images image resolution (for policies with {@code images.resolve: true})
 */
public record OperatorSettings(
    Set<String> watchNamespaces,
    int httpPort,
    boolean webhookEnabled,
    int webhookPort,
    Path webhookCertFile,
    Path webhookKeyFile,
    String operatorNamespace,
    boolean leaderElection,
    String leaseName,
    String leaseNamespace,
    Duration evidenceWindow,
    Duration reportInterval,
    int reconcileThreads,
    Duration resyncInterval,
    String podName,
    ImageSettings images) {

  private static final String PORT = "a port number 1-65535 (0 to pick a free port)";
  private static final String DURATION = "a duration such as 500ms, 30s, 10m, 1h or 2d";
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  public static final Setting<Set<String>> WATCH_NAMESPACES =
      new Setting<>(
          "PYHYGIENE_WATCH_NAMESPACES",
          "",
          "(all)",
          "Comma-separated namespaces to watch; empty watches all namespaces.",
          "comma-separated namespace names",
          OperatorSettings::namespaces);
  public static final Setting<Integer> HTTP_PORT =
      Setting.of(
          "PYHYGIENE_HTTP_PORT",
          "8080",
          "Port of /metrics, /healthz and /readyz.",
          PORT,
          OperatorSettings::port);
  public static final Setting<Boolean> WEBHOOK_ENABLED =
      Setting.of(
          "PYHYGIENE_WEBHOOK_ENABLED",
          "true",
          "Serve the admission webhook.",
          "true or false",
          OperatorSettings::bool);
  public static final Setting<Integer> WEBHOOK_PORT =
      Setting.of(
          "PYHYGIENE_WEBHOOK_PORT",
          "8443",
          "HTTPS port of the admission webhook (POST /validate).",
          PORT,
          OperatorSettings::port);
  public static final Setting<String> WEBHOOK_CERT_FILE =
      Setting.text(
          "PYHYGIENE_WEBHOOK_CERT_FILE",
          "/etc/pyhygiene/tls/tls.crt",
          "",
          "PEM certificate chain of the webhook. It is reloaded when the file changes.");
  public static final Setting<String> WEBHOOK_KEY_FILE =
      Setting.text(
          "PYHYGIENE_WEBHOOK_KEY_FILE",
          "/etc/pyhygiene/tls/tls.key",
          "",
          "PEM private key of the webhook (PKCS#8, PKCS#1 RSA or SEC1 EC). It is reloaded when the"
              + " file changes.");
  public static final Setting<String> OPERATOR_NAMESPACE =
      Setting.text(
          "PYHYGIENE_OPERATOR_NAMESPACE",
          "",
          "`POD_NAMESPACE`",
          "The operator's namespace, never audited at admission.");
  public static final Setting<Boolean> LEADER_ELECTION =
      Setting.of(
          "PYHYGIENE_LEADER_ELECTION",
          "false",
          "Run the reconcilers only on the Lease holder. The chart turns this on.",
          "true or false",
          OperatorSettings::bool);
  public static final Setting<String> LEASE_NAME =
      Setting.text(
          "PYHYGIENE_LEASE_NAME", "pyhygiene-leader", "", "Name of the leader-election Lease.");
  public static final Setting<String> LEASE_NAMESPACE =
      Setting.text(
          "PYHYGIENE_LEASE_NAMESPACE",
          "",
          "the operator's namespace",
          "Namespace of the Lease (default when the operator's namespace is unknown).");
  public static final Setting<Duration> EVIDENCE_WINDOW =
      Setting.of(
          "PYHYGIENE_EVIDENCE_WINDOW",
          "1h",
          "How long an observed SIGKILLed shutdown or OOM kill counts as evidence (30m, 1h, 2d).",
          DURATION,
          OperatorSettings::parseDuration);
  public static final Setting<Duration> REPORT_INTERVAL =
      Setting.of(
          "PYHYGIENE_REPORT_INTERVAL",
          "2s",
          "How often PolicyReports and policy statuses are written, only when they changed.",
          DURATION,
          OperatorSettings::parseDuration);
  public static final Setting<Integer> RECONCILE_THREADS =
      Setting.of(
          "PYHYGIENE_RECONCILE_THREADS",
          "4",
          "Concurrent reconciliations.",
          "a positive integer",
          OperatorSettings::positiveInt);
  public static final Setting<Duration> RESYNC_INTERVAL =
      Setting.of(
          "PYHYGIENE_RESYNC_INTERVAL",
          "10m",
          "Longest time between two audits of an unchanged Deployment. A resync writes nothing"
              + " when nothing changed.",
          DURATION,
          OperatorSettings::parseDuration);

  /** Read by logback (logback.xml), not by Java: bound here to be validated and documented. */
  public static final Setting<String> LOG_LEVEL =
      Setting.of(
          "PYHYGIENE_LOG_LEVEL",
          "INFO",
          "Level of the JSON log lines on stderr (ERROR, WARN, INFO, DEBUG).",
          "ERROR, WARN, INFO, DEBUG or TRACE",
          OperatorSettings::logLevel);

  public static final Setting<String> POD_NAME =
      Setting.text(
          "POD_NAME",
          "",
          "the host name and process id",
          "The operator's pod (from the downward API): this replica's identity in leader election,"
              + " Events and the user agent of its API requests (after pyhygiene/ and the"
              + " version), so the API server's audit log tells the replicas apart.");
  public static final Setting<String> POD_NAMESPACE =
      Setting.text(
          "POD_NAMESPACE",
          "",
          "(none)",
          "The operator's pod namespace (from the downward API; the chart sets it).");

  /** Every setting, in the order --help and the guide list them. */
  public static final List<Setting<?>> SETTINGS =
      Stream.concat(
              Stream.<Setting<?>>of(
                  WATCH_NAMESPACES,
                  HTTP_PORT,
                  WEBHOOK_ENABLED,
                  WEBHOOK_PORT,
                  WEBHOOK_CERT_FILE,
                  WEBHOOK_KEY_FILE,
                  OPERATOR_NAMESPACE,
                  LEADER_ELECTION,
                  LEASE_NAME,
                  LEASE_NAMESPACE,
                  EVIDENCE_WINDOW,
                  REPORT_INTERVAL,
                  RECONCILE_THREADS,
                  RESYNC_INTERVAL,
                  LOG_LEVEL,
                  POD_NAME,
                  POD_NAMESPACE),
              ImageSettings.SETTINGS.stream())
          .toList();

  /** Reads the settings; throws {@link IllegalArgumentException} naming every bad variable. */
  public static OperatorSettings fromEnvironment(Map<String, String> env) {
    List<String> errors = new ArrayList<>();
    String operatorNamespace = OPERATOR_NAMESPACE.read(env, errors);
    if (operatorNamespace.isEmpty()) {
      operatorNamespace = POD_NAMESPACE.read(env, errors);
    }
    String leaseNamespace = LEASE_NAMESPACE.read(env, errors);
    if (leaseNamespace.isEmpty()) {
      leaseNamespace = operatorNamespace.isEmpty() ? "default" : operatorNamespace;
    }
    LOG_LEVEL.read(env, errors);
    OperatorSettings s =
        new OperatorSettings(
            WATCH_NAMESPACES.read(env, errors),
            HTTP_PORT.read(env, errors),
            WEBHOOK_ENABLED.read(env, errors),
            WEBHOOK_PORT.read(env, errors),
            Path.of(WEBHOOK_CERT_FILE.read(env, errors)),
            Path.of(WEBHOOK_KEY_FILE.read(env, errors)),
            operatorNamespace,
            LEADER_ELECTION.read(env, errors),
            LEASE_NAME.read(env, errors),
            leaseNamespace,
            EVIDENCE_WINDOW.read(env, errors),
            REPORT_INTERVAL.read(env, errors),
            RECONCILE_THREADS.read(env, errors),
            RESYNC_INTERVAL.read(env, errors),
            POD_NAME.read(env, errors),
            ImageSettings.read(env, errors));
    if (s.httpPort() == s.webhookPort() && s.webhookEnabled() && s.httpPort() > 0) {
      errors.add(
          WEBHOOK_PORT.key() + ": must differ from " + HTTP_PORT.key() + " (" + s.httpPort() + ")");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid configuration: " + String.join("; ", errors));
    }
    return s;
  }

  static int port(String v) {
    int p = Integer.parseInt(v);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(v);
    }
    return p;
  }

  static int positiveInt(String v) {
    int n = Integer.parseInt(v);
    if (n < 1) {
      throw new IllegalArgumentException(v);
    }
    return n;
  }

  static boolean bool(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(v);
    };
  }

  static String logLevel(String v) {
    String level = v.toUpperCase(Locale.ROOT);
    if (!List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(level)) {
      throw new IllegalArgumentException(v);
    }
    return level;
  }

  static Set<String> namespaces(String v) {
    return commaSeparated(v, NAMESPACE);
  }

  /** A comma-separated list, blanks dropped, each item matching {@code item}. */
  static Set<String> commaSeparated(String v, Pattern item) {
    Set<String> out = new LinkedHashSet<>();
    for (String part : v.split(",")) {
      String t = part.trim();
      if (t.isEmpty()) {
        continue;
      }
      if (!item.matcher(t).matches()) {
        throw new IllegalArgumentException(t);
      }
      out.add(t);
    }
    return Set.copyOf(out);
  }

  /**
   * {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 2d}, or ISO-8601 ({@code PT1H}).
   */
  public static Duration parseDuration(String text) {
    String t = text.trim();
    if (t.startsWith("P") || t.startsWith("p")) {
      return Duration.parse(t);
    }
    Matcher m = SHORT_DURATION.matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(text);
    }
    long n = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
    if (d.isZero()) {
      throw new IllegalArgumentException(text);
    }
    return d;
  }
}
