package io.pyhygiene.operator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The operator's configuration, one typed setting per environment variable, each with a default.
 * An unknown or malformed value stops start-up with a message naming the variable.
 *
 * @param watchNamespaces namespaces to watch; empty for all
 * @param httpPort port of /metrics, /healthz and /readyz
 * @param webhookEnabled whether the admission webhook is served
 * @param webhookPort HTTPS port of the admission webhook
 * @param webhookCertFile PEM certificate chain of the webhook (reloaded when it changes)
 * @param webhookKeyFile PEM private key of the webhook (reloaded when it changes)
 * @param operatorNamespace the operator's own namespace (excluded from admission)
 * @param leaderElection whether the reconcilers run only on the Lease holder
 * @param leaseName the Lease's name
 * @param leaseNamespace the Lease's namespace
 * @param evidenceWindow how long observed pod terminations count as evidence
 * @param reportInterval how often PolicyReports and policy statuses are flushed
 * @param reconcileThreads concurrent reconciliations
 * @param resyncInterval maximum time between two reconciliations of an unchanged Deployment
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
    Duration resyncInterval) {

  /** One documented environment variable. */
  public record Variable(String name, String defaultValue, String description) {}

  public static final List<Variable> VARIABLES = List.of(
      new Variable("PYHYGIENE_WATCH_NAMESPACES", "",
          "Comma-separated namespaces to watch; empty watches all namespaces."),
      new Variable("PYHYGIENE_HTTP_PORT", "8080", "Port of /metrics, /healthz and /readyz."),
      new Variable("PYHYGIENE_WEBHOOK_ENABLED", "true", "Serve the admission webhook."),
      new Variable("PYHYGIENE_WEBHOOK_PORT", "8443", "HTTPS port of the admission webhook."),
      new Variable("PYHYGIENE_WEBHOOK_CERT_FILE", "/etc/pyhygiene/tls/tls.crt",
          "PEM certificate (chain) of the webhook; reloaded when the file changes."),
      new Variable("PYHYGIENE_WEBHOOK_KEY_FILE", "/etc/pyhygiene/tls/tls.key",
          "PEM private key of the webhook; reloaded when the file changes."),
      new Variable("PYHYGIENE_OPERATOR_NAMESPACE", "",
          "The operator's namespace, never audited at admission (default: POD_NAMESPACE)."),
      new Variable("PYHYGIENE_LEADER_ELECTION", "false",
          "Run the reconcilers only on the holder of a Lease (the chart turns this on)."),
      new Variable("PYHYGIENE_LEASE_NAME", "pyhygiene-leader", "Name of the leader-election Lease."),
      new Variable("PYHYGIENE_LEASE_NAMESPACE", "",
          "Namespace of the Lease (default: the operator's namespace, else default)."),
      new Variable("PYHYGIENE_EVIDENCE_WINDOW", "1h",
          "How long an observed SIGKILL or OOM kill counts as evidence (e.g. 30m, 1h, 2d)."),
      new Variable("PYHYGIENE_REPORT_INTERVAL", "2s",
          "How often PolicyReports and policy statuses are written when they changed."),
      new Variable("PYHYGIENE_RECONCILE_THREADS", "4", "Concurrent reconciliations."),
      new Variable("PYHYGIENE_RESYNC_INTERVAL", "10m",
          "Longest time between two audits of an unchanged Deployment (writes only on change)."),
      new Variable("PYHYGIENE_LOG_LEVEL", "INFO",
          "Log level of the JSON log lines on stderr (read by logback: ERROR, WARN, INFO, DEBUG)."));

  /** Reads the settings; throws {@link IllegalArgumentException} naming every bad variable. */
  public static OperatorSettings fromEnvironment(Map<String, String> env) {
    List<String> errors = new ArrayList<>();
    Reader r = new Reader(env, errors);
    String podNamespace = env.getOrDefault("POD_NAMESPACE", "");
    String operatorNamespace = r.string("PYHYGIENE_OPERATOR_NAMESPACE");
    if (operatorNamespace.isEmpty()) {
      operatorNamespace = podNamespace;
    }
    String leaseNamespace = r.string("PYHYGIENE_LEASE_NAMESPACE");
    if (leaseNamespace.isEmpty()) {
      leaseNamespace = operatorNamespace.isEmpty() ? "default" : operatorNamespace;
    }
    OperatorSettings s = new OperatorSettings(
        r.namespaces("PYHYGIENE_WATCH_NAMESPACES"),
        r.port("PYHYGIENE_HTTP_PORT"),
        r.bool("PYHYGIENE_WEBHOOK_ENABLED"),
        r.port("PYHYGIENE_WEBHOOK_PORT"),
        Path.of(r.string("PYHYGIENE_WEBHOOK_CERT_FILE")),
        Path.of(r.string("PYHYGIENE_WEBHOOK_KEY_FILE")),
        operatorNamespace,
        r.bool("PYHYGIENE_LEADER_ELECTION"),
        r.string("PYHYGIENE_LEASE_NAME"),
        leaseNamespace,
        r.duration("PYHYGIENE_EVIDENCE_WINDOW"),
        r.duration("PYHYGIENE_REPORT_INTERVAL"),
        r.positiveInt("PYHYGIENE_RECONCILE_THREADS"),
        r.duration("PYHYGIENE_RESYNC_INTERVAL"));
    if (s.httpPort() == s.webhookPort() && s.webhookEnabled() && s.httpPort() > 0) {
      errors.add("PYHYGIENE_WEBHOOK_PORT: must differ from PYHYGIENE_HTTP_PORT (" + s.httpPort() + ")");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("invalid configuration: " + String.join("; ", errors));
    }
    return s;
  }

  /** Parses each variable, collecting errors instead of stopping at the first. */
  private static final class Reader {
    private final Map<String, String> env;
    private final List<String> errors;

    Reader(Map<String, String> env, List<String> errors) {
      this.env = env;
      this.errors = errors;
    }

    private String raw(String name) {
      String v = env.get(name);
      if (v != null) {
        return v.trim();
      }
      return VARIABLES.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow()
          .defaultValue();
    }

    <T> T parse(String name, T fallback, String expected, Function<String, T> parser) {
      String value = raw(name);
      try {
        return parser.apply(value);
      } catch (RuntimeException e) {
        errors.add(name + "=" + value + ": expected " + expected);
        return fallback;
      }
    }

    String string(String name) {
      return raw(name);
    }

    int port(String name) {
      return parse(name, 0, "a port number 1-65535 (0 to pick a free port)", v -> {
        int p = Integer.parseInt(v);
        if (p < 0 || p > 65535) {
          throw new IllegalArgumentException();
        }
        return p;
      });
    }

    int positiveInt(String name) {
      return parse(name, 1, "a positive integer", v -> {
        int n = Integer.parseInt(v);
        if (n < 1) {
          throw new IllegalArgumentException();
        }
        return n;
      });
    }

    boolean bool(String name) {
      return parse(name, false, "true or false", v -> switch (v.toLowerCase(Locale.ROOT)) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new IllegalArgumentException();
      });
    }

    Duration duration(String name) {
      return parse(name, Duration.ZERO, "a duration such as 500ms, 30s, 10m, 1h or 2d",
          OperatorSettings::parseDuration);
    }

    Set<String> namespaces(String name) {
      return parse(name, Set.of(), "comma-separated namespace names", v -> {
        Set<String> out = new LinkedHashSet<>();
        for (String ns : Arrays.asList(v.split(","))) {
          String t = ns.trim();
          if (t.isEmpty()) {
            continue;
          }
          if (!t.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException();
          }
          out.add(t);
        }
        return Set.copyOf(out);
      });
    }
  }

  /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 2d}, or ISO-8601 ({@code PT1H}). */
  public static Duration parseDuration(String text) {
    String t = text.trim();
    if (t.startsWith("P") || t.startsWith("p")) {
      return Duration.parse(t);
    }
    var m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(t);
    if (!m.matches()) {
      throw new IllegalArgumentException(text);
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
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
