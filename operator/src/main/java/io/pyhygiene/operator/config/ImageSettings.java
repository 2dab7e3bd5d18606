package io.pyhygiene.operator.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How the operator resolves image configs for policies with {@code images.resolve: true}: the
 * resolver's cache, its per-registry limits and timeouts, and whether pull Secrets are read. Bound
 * once here as {@link Setting}s, like the rest of {@link OperatorSettings}.
 *
 * @param cacheEntries cache bound in entries (configs, tags and failures together)
 * @param cacheBytes cache bound in estimated bytes
 * @param tagTtl how long a tag's digest is trusted; tags in use are re-checked this often
 * @param negativeTtl how long a failed resolution is remembered
 * @param requestTimeout one registry request
 * @param deadline one whole resolution, waiting for limits included
 * @param concurrencyPerRegistry resolutions at once against one registry
 * @param ratePerRegistry registry requests per second to one registry
 * @param threads resolver worker threads
 * @param insecureRegistries registries reached over plain HTTP besides loopback ones
 * @param pullSecrets whether the workload's and its ServiceAccount's imagePullSecrets are read
 */
public record ImageSettings(
    int cacheEntries,
    long cacheBytes,
    Duration tagTtl,
    Duration negativeTtl,
    Duration requestTimeout,
    Duration deadline,
    int concurrencyPerRegistry,
    double ratePerRegistry,
    int threads,
    Set<String> insecureRegistries,
    boolean pullSecrets) {

  private static final String DURATION = "a duration such as 500ms, 30s, 10m, 1h or 2d";
  private static final Pattern HOST_PORT =
      Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\\d{1,5})?");
  private static final Pattern BYTES = Pattern.compile("(\\d+)(Ki|Mi|Gi)?");

  public static final Setting<Integer> CACHE_ENTRIES =
      Setting.of(
          "PYHYGIENE_IMAGE_CACHE_ENTRIES",
          "10000",
          "Image-config cache bound in entries (configs, tag digests and failures together);"
              + " the least recently used go first.",
          "a positive integer",
          OperatorSettings::positiveInt);
  public static final Setting<Long> CACHE_BYTES =
      Setting.of(
          "PYHYGIENE_IMAGE_CACHE_BYTES",
          "64Mi",
          "Image-config cache bound in estimated heap bytes.",
          "a byte count, optionally with Ki, Mi or Gi",
          ImageSettings::bytes);
  public static final Setting<Duration> TAG_TTL =
      Setting.of(
          "PYHYGIENE_IMAGE_TAG_TTL",
          "5m",
          "How long a tag's digest is trusted. Tags in use are re-checked this often, and a tag that"
              + " moved re-audits the workloads naming it.",
          DURATION,
          OperatorSettings::parseDuration);
  public static final Setting<Duration> NEGATIVE_TTL =
      Setting.of(
          "PYHYGIENE_IMAGE_NEGATIVE_TTL",
          "30s",
          "How long a failed resolution (registry down, 401, 404) is remembered before the"
              + " registry is asked again.",
          DURATION,
          OperatorSettings::parseDuration);
  public static final Setting<Duration> REQUEST_TIMEOUT =
      Setting.of(
          "PYHYGIENE_IMAGE_REQUEST_TIMEOUT",
          "5s",
          "Timeout of one registry request.",
          DURATION,
          OperatorSettings::parseDuration);
  public static final Setting<Duration> DEADLINE =
      Setting.of(
          "PYHYGIENE_IMAGE_DEADLINE",
          "15s",
          "Longest time one image resolution may take, waiting for rate and concurrency limits"
              + " included; then the image is unresolved (timeout).",
          DURATION,
          OperatorSettings::parseDuration);
  public static final Setting<Integer> CONCURRENCY =
      Setting.of(
          "PYHYGIENE_IMAGE_REGISTRY_CONCURRENCY",
          "4",
          "Image resolutions running at once against" + " one registry host.",
          "a positive integer",
          OperatorSettings::positiveInt);
  public static final Setting<Double> RATE =
      Setting.of(
          "PYHYGIENE_IMAGE_REGISTRY_RATE",
          "10",
          "Registry requests per second to one registry host (bursts of twice that).",
          "a positive number",
          ImageSettings::positiveNumber);
  public static final Setting<Integer> THREADS =
      Setting.of(
          "PYHYGIENE_IMAGE_THREADS",
          "4",
          "Threads resolving images, off the reconcile threads.",
          "a positive integer",
          OperatorSettings::positiveInt);
  public static final Setting<Set<String>> INSECURE_REGISTRIES =
      new Setting<>(
          "PYHYGIENE_IMAGE_INSECURE_REGISTRIES",
          "",
          "(none)",
          "Comma-separated registries"
              + " (host[:port]) reached over plain HTTP when TLS fails, as Docker's"
              + " insecure-registries; loopback registries always are. The operator uses this list,"
              + " not the policies' images.insecureRegistries.",
          "comma-separated host[:port]",
          ImageSettings::hosts);
  public static final Setting<Boolean> PULL_SECRETS =
      Setting.of(
          "PYHYGIENE_IMAGE_PULL_SECRETS",
          "false",
          "Read the workload's and its ServiceAccount's imagePullSecrets when a registry"
              + " asks for credentials. Needs get on secrets and serviceaccounts (the chart's"
              + " imageResolution.pullSecrets value grants it).",
          "true or false",
          OperatorSettings::bool);

  /** Every image setting, in the order the guide lists them. */
  public static final List<Setting<?>> SETTINGS =
      List.of(
          CACHE_ENTRIES,
          CACHE_BYTES,
          TAG_TTL,
          NEGATIVE_TTL,
          REQUEST_TIMEOUT,
          DEADLINE,
          CONCURRENCY,
          RATE,
          THREADS,
          INSECURE_REGISTRIES,
          PULL_SECRETS);

  static ImageSettings read(Map<String, String> env, List<String> errors) {
    return new ImageSettings(
        CACHE_ENTRIES.read(env, errors),
        CACHE_BYTES.read(env, errors),
        TAG_TTL.read(env, errors),
        NEGATIVE_TTL.read(env, errors),
        REQUEST_TIMEOUT.read(env, errors),
        DEADLINE.read(env, errors),
        CONCURRENCY.read(env, errors),
        RATE.read(env, errors),
        THREADS.read(env, errors),
        INSECURE_REGISTRIES.read(env, errors),
        PULL_SECRETS.read(env, errors));
  }

  static long bytes(String v) {
    var m = BYTES.matcher(v.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(v);
    }
    long n = Long.parseLong(m.group(1));
    long unit =
        m.group(2) == null
            ? 1
            : switch (m.group(2)) {
              case "Ki" -> 1024L;
              case "Mi" -> 1024L * 1024;
              default -> 1024L * 1024 * 1024;
            };
    if (n < 1) {
      throw new IllegalArgumentException(v);
    }
    return Math.multiplyExact(n, unit);
  }

  static double positiveNumber(String v) {
    double d = Double.parseDouble(v);
    if (!(d > 0) || Double.isInfinite(d)) {
      throw new IllegalArgumentException(v);
    }
    return d;
  }

  static Set<String> hosts(String v) {
    return OperatorSettings.commaSeparated(v.toLowerCase(Locale.ROOT), HOST_PORT);
  }
}
